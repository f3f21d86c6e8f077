import type { Surface } from '../../app.ts'

/** The kendo dialect: not built yet (see the dialects issue). */
export const kendo: Surface = async () => {}
