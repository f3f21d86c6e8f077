import type { MessageContent } from '../../core/store.ts'

/**
 * The part of a `notification.created` frame that every recipient of a message shares: its
 * `"data":…,"actions":…` as bytes, serialised once per message rather than once per stream.
 *
 * A send to many users wakes every stream of theirs, and each would otherwise read the message's
 * data from the store, parse it and serialise it again: with large data (the bounds allow
 * hundreds of kB) that was most of what a burst cost the server's heap. The store hands the
 * content over as the JSON text it keeps, so even the one read is neither parsed nor
 * serialised. Streams write this Buffer itself, so a socket that has not taken it yet holds a
 * reference, not a copy.
 *
 * The most recently used entries are kept up to `maxBytes` in all (messages never change once
 * sent, so an entry is never stale); a message being read is read once however many streams
 * ask for it meanwhile.
 */
export function contentCache(
  maxBytes: number,
  read: (tenantId: string, ids: number[]) => Promise<Map<number, MessageContent>>,
) {
  // Insertion order is use order: a hit moves its entry to the end.
  const kept = new Map<string, Buffer>()
  const reading = new Map<string, Promise<Buffer>>()
  let bytes = 0
  const key = (tenantId: string, id: number) => `${tenantId}\u0000${id}`

  const keep = (k: string, b: Buffer) => {
    if (b.length > maxBytes) return
    kept.set(k, b)
    bytes += b.length
    for (const [old, ob] of kept) {
      if (bytes <= maxBytes) break
      kept.delete(old)
      bytes -= ob.length
    }
  }

  return {
    /** Each message's shared part, by id; a message gone from the store has empty content. */
    async get(tenantId: string, ids: number[]): Promise<Map<number, Buffer>> {
      const out = new Map<number, Buffer>()
      const waits: Array<Promise<void>> = []
      const missing: number[] = []
      for (const id of new Set(ids)) {
        const k = key(tenantId, id)
        const hit = kept.get(k)
        if (hit) {
          kept.delete(k)
          kept.set(k, hit)
          out.set(id, hit)
          continue
        }
        const pending = reading.get(k)
        if (pending) waits.push(pending.then((b) => void out.set(id, b)))
        else missing.push(id)
      }
      if (missing.length > 0) {
        const loaded = read(tenantId, missing).then((found) => {
          const serialised = new Map<number, Buffer>()
          for (const id of missing) {
            const c = found.get(id) ?? { data: 'null', actions: '[]' }
            serialised.set(id, serialise(c))
          }
          return serialised
        })
        for (const id of missing) {
          const k = key(tenantId, id)
          const one = loaded.then((m) => m.get(id) as Buffer)
          reading.set(k, one)
          waits.push(
            one.then(
              (b) => {
                out.set(id, b)
                if (reading.get(k) === one) {
                  reading.delete(k)
                  keep(k, b)
                }
              },
              (err: unknown) => {
                if (reading.get(k) === one) reading.delete(k)
                throw err
              },
            ),
          )
        }
      }
      await Promise.all(waits)
      return out
    },
    /** Bytes kept (for tests). */
    bytes: () => bytes,
  }
}

const HEAD = '"data":'
const MIDDLE = ',"actions":'

/**
 * `"data":…,"actions":…`, the last members of a rendered notification, written straight into
 * one Buffer: no string of the whole is made (with hundreds of kB of data, each would be another
 * copy on the heap).
 */
export const serialise = (c: MessageContent): Buffer => {
  const size =
    HEAD.length + Buffer.byteLength(c.data) + MIDDLE.length + Buffer.byteLength(c.actions)
  const out = Buffer.allocUnsafeSlow(size)
  let at = out.write(HEAD)
  at += out.write(c.data, at)
  at += out.write(MIDDLE, at)
  out.write(c.actions, at)
  return out
}
