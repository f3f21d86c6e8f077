import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

const BASE = '/compat/kendo/api/notifications'

type Item = { id: number; actor: { id: number | string } | null }

async function kendoList(h: TestHerald, token: string): Promise<Item[]> {
  const res = await h.app.inject({ url: BASE, headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

const actorOf = (items: Item[], id: number) => items.find((n) => n.id === id)?.actor ?? null

const deleteUser = async (h: TestHerald, key: string, id: string) => {
  const res = await h.app.inject({
    method: 'DELETE',
    url: `/v1/users/${id}`,
    headers: { authorization: `Bearer ${key}` },
  })
  assert.equal(res.statusCode, 204, res.body)
}

describeEngines('kendo: the actor of a deleted user is null', (ctx) => {
  test('after DELETE /v1/users/{id}, Kendo renders that actor null; others keep theirs', async () => {
    const h = ctx()
    const w = await world(h, { notification: { type: 'comment', title: 'Hi' } })
    await w.putUser('9', { firstName: 'Carol' })
    await w.putUser('11', { firstName: 'Dan' })
    const actor = (id: number, firstName: string) => ({ actor: { id, firstName } })
    const byCarol = (await w.seed('4', actor(9, 'Carol'))).id
    const byDan = (await w.seed('4', actor(11, 'Dan'))).id
    // 10 was never a user record: its snapshot is all Herald knows of it, so it stays.
    const byUnregistered = (await w.seed('4', actor(10, 'Eve'))).id
    const token = await w.token('4')
    assert.equal(actorOf(await kendoList(h, token), byCarol)?.id, 9)

    await deleteUser(h, w.key, '9')
    const after = await kendoList(h, token)
    assert.equal(actorOf(after, byCarol), null)
    assert.equal(actorOf(after, byDan)?.id, 11)
    assert.equal(actorOf(after, byUnregistered)?.id, 10)

    // The native API keeps the snapshot: it is "the actor as they were when it was sent".
    const native = await h.app.inject({
      url: `/v1/me/notifications/${byCarol}`,
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(native.statusCode, 200, native.body)
    assert.equal(native.json().actor.id, '9')
  })

  test('a user created again under the id acts anew; what the deleted one did stays null', async () => {
    const h = ctx()
    const w = await world(h, { notification: { type: 'comment', title: 'Hi' } })
    await w.putUser('9', { firstName: 'Carol' })
    const before = (await w.seed('4', { actor: { id: 9 }, createdAt: '2026-01-01T00:00:00Z' })).id
    await deleteUser(h, w.key, '9')
    await w.putUser('9', { firstName: 'Carol again' })
    const later = (await w.seed('4', { actor: { id: 9 } })).id
    const items = await kendoList(h, await w.token('4'))
    assert.equal(actorOf(items, before), null)
    assert.equal(actorOf(items, later)?.id, 9)
  })

  test("deleting a user of one tenant leaves another tenant's actor of the same id", async () => {
    const h = ctx()
    const note = { notification: { type: 'comment', title: 'Hi' } }
    const [w, other] = [await world(h, note), await world(h, note)]
    await w.putUser('9', {})
    await other.putUser('9', {})
    const theirs = (await other.seed('4', { actor: { id: 9 } })).id
    await deleteUser(h, w.key, '9')
    assert.equal(actorOf(await kendoList(h, await other.token('4')), theirs)?.id, 9)
  })

  test('a page of many actors, some deleted, renders in one answer past one page', async () => {
    const h = ctx()
    const w = await world(h, { notification: { type: 'comment', title: 'Hi' } })
    const gone = new Set<number>()
    for (let i = 1; i <= 30; i++) {
      await w.putUser(`a${i}`, {})
      if (i % 3 === 0) gone.add(i)
    }
    const ids = new Map<number, number>()
    // 130 notifications: more than one of the list's internal pages (100).
    for (let i = 0; i < 130; i++) {
      const a = (i % 30) + 1
      ids.set((await w.seed('4', { actor: { id: `a${a}` } })).id, a)
    }
    for (const a of gone) await deleteUser(h, w.key, `a${a}`)
    const items = await kendoList(h, await w.token('4'))
    assert.equal(items.length, 130)
    for (const n of items) {
      const a = ids.get(n.id)
      assert.ok(a !== undefined)
      if (gone.has(a)) assert.equal(n.actor, null, `notification ${n.id}`)
      else assert.equal(n.actor?.id, `a${a}`, `notification ${n.id}`)
    }
  })
})
