import type { Surface } from '../../app.ts'

/** The mantle2 dialect: not built yet (see the dialects issue). */
export const mantle2: Surface = async () => {}
