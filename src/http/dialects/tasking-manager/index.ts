import type { Surface } from '../../app.ts'

/** The tasking-manager dialect: not built yet (see the dialects issue). */
export const taskingManager: Surface = async () => {}
