import { fsyncSync } from 'node:fs'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { NodeFS } from '@electric-sql/pglite/nodefs'

type Init = Awaited<ReturnType<NodeFS['init']>>
interface EmscriptenModule {
  NODEFS: { stream_ops: { fsync?: (stream: { nfd?: number }) => number } }
}

/**
 * PGlite's Node file system with a real fsync. PGlite 0.5 starts PostgreSQL with `-F` (fsync
 * off), and even with it on, Emscripten's NODEFS has no `fsync` operation (and `fdatasync` is a
 * no-op), so a commit never reaches the disk: it survives the process dying, not the machine.
 * This adds the operation, and the start parameters below route WAL flushes through it.
 */
class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]): Promise<Init> {
    const base = await super.init(pg, opts)
    const preRun = base.emscriptenOpts.preRun ?? []
    const durable = (mod: EmscriptenModule) => {
      mod.NODEFS.stream_ops.fsync = (stream) => {
        if (typeof stream.nfd === 'number') fsyncSync(stream.nfd)
        return 0
      }
    }
    base.emscriptenOpts.preRun = [...(Array.isArray(preRun) ? preRun : [preRun]), durable]
    return base
  }
}

/**
 * PGlite's options for a data directory: with `fsync`, every commit is flushed to the disk
 * before it is acknowledged (`wal_sync_method=fsync`, as `fdatasync` does nothing here).
 */
export function pgliteOptions(
  dataDir: string,
  fsync: boolean,
  sharedBuffersMb: number,
): PGliteOptions {
  // PostgreSQL's default is 128 MB, all of it in the process once touched.
  const buffers = ['-c', `shared_buffers=${Math.trunc(sharedBuffersMb)}MB`]
  if (!fsync || dataDir.startsWith('memory://')) {
    return { dataDir, startParams: [...PGlite.defaultStartParams, ...buffers] }
  }
  const startParams = [
    ...PGlite.defaultStartParams.filter((p) => p !== '-F'),
    ...['-c', 'fsync=on', '-c', 'wal_sync_method=fsync'],
    ...buffers,
  ]
  return { fs: new DurableNodeFS(dataDir), startParams }
}
