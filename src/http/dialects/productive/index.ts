import type { Surface } from '../../app.ts'

/** The productive dialect: not built yet (see the dialects issue). */
export const productive: Surface = async () => {}
