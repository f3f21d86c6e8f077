import type { DialectName } from '../../config.ts'
import type { Surface, SurfaceErrorHandler } from '../app.ts'
import { kendoErrorHandler } from './kendo/errors.ts'
import { kendo } from './kendo/index.ts'
import { mantleErrorHandler } from './mantle2/errors.ts'
import { mantle2 } from './mantle2/index.ts'
import { ondiErrorHandler } from './ondi/errors.ts'
import { ondi } from './ondi/index.ts'
import { errorHandler as productiveErrorHandler } from './productive/errors.ts'
import { productive } from './productive/index.ts'
import { sendTmError } from './tasking-manager/errors.ts'
import { taskingManager } from './tasking-manager/index.ts'

/**
 * Each dialect's plugin, and its error handler for the errors Fastify raises before any route
 * (a malformed percent-escape in the path), so those too come out in the dialect's shape.
 */
export const DIALECTS: Record<DialectName, { plugin: Surface; onError: SurfaceErrorHandler }> = {
  'tasking-manager': { plugin: taskingManager, onError: sendTmError },
  ondi: { plugin: ondi, onError: ondiErrorHandler },
  mantle2: { plugin: mantle2, onError: mantleErrorHandler },
  productive: { plugin: productive, onError: productiveErrorHandler },
  kendo: { plugin: kendo, onError: kendoErrorHandler },
}
