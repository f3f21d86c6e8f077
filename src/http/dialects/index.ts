import type { DialectName } from '../../config.ts'
import type { Surface } from '../surface.ts'
import { kendo } from './kendo/index.ts'
import { mantle2 } from './mantle2/index.ts'
import { ondi } from './ondi/index.ts'
import { productive } from './productive/index.ts'
import { taskingManager } from './tasking-manager/index.ts'

/** Every compatibility dialect, by the name configuration uses. */
export const DIALECTS: Record<DialectName, Surface> = {
  'tasking-manager': taskingManager,
  ondi,
  mantle2,
  productive,
  kendo,
}
