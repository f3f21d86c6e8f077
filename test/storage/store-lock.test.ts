import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import {
  acquireStoreLock,
  lockPathFor,
  readLock,
  StoreLockedError,
} from '../../src/storage/store-lock.ts'

const dir = mkdtempSync(join(tmpdir(), 'herald-store-lock-'))
let n = 0
const freshPath = () => join(dir, `store-${++n}.lock`)

describe('the embedded store lock', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('only embedded stores on disk take a lock', () => {
    assert.equal(lockPathFor('postgres://u@127.0.0.1/db'), null)
    assert.equal(lockPathFor('memory://'), null)
    assert.equal(lockPathFor('/srv/herald/data/pglite/'), '/srv/herald/data/pglite.lock')
  })

  test('held, refused to a second taker, published, and released by its owner', () => {
    const path = freshPath()
    const lock = acquireStoreLock(path, 'serve')
    assert.throws(() => acquireStoreLock(path, 'migrate'), StoreLockedError)
    lock.publish('http://127.0.0.1:1234')
    assert.deepEqual(readLock(path), lock.holder)
    assert.equal(readLock(path)?.url, 'http://127.0.0.1:1234')
    lock.release()
    assert.equal(existsSync(path), false)
  })

  test('a lock whose pid now belongs to another process (started elsewhen) is stale', () => {
    const path = freshPath()
    const reused = { pid: process.pid, startedAt: 0, command: 'serve', url: null, token: 'old' }
    writeFileSync(path, JSON.stringify(reused))
    const lock = acquireStoreLock(path, 'serve')
    assert.equal(readLock(path)?.token, lock.holder.token)
    lock.release()
  })

  test('an owner never removes a lock that is no longer its own', () => {
    const path = freshPath()
    const lock = acquireStoreLock(path, 'send')
    const other = JSON.stringify({ ...lock.holder, token: 'someone-else' })
    writeFileSync(path, other)
    lock.release()
    assert.equal(readFileSync(path, 'utf8'), other)
  })

  test('a takeover guard left by a dead process does not block a takeover for ever', () => {
    const path = freshPath()
    writeFileSync(
      path,
      JSON.stringify({ pid: 0, startedAt: 0, command: 'serve', url: null, token: 's' }),
    )
    writeFileSync(`${path}.takeover`, '0')
    const lock = acquireStoreLock(path, 'serve')
    assert.equal(existsSync(`${path}.takeover`), false)
    lock.release()
  })
})
