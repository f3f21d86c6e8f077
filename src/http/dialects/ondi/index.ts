import type { Surface } from '../../app.ts'

/** The ondi dialect: not built yet (see the dialects issue). */
export const ondi: Surface = async () => {}
