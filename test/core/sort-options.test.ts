import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send } from '../support/harness.ts'

// Core options added for dialects with integer enumerations and ids: Sort.rank, Sort.numeric and
// InboxFilter.actorUsernameLike. Their defaults keep the existing behaviour.
describeEngines('core sort rank, numeric ids and username LIKE', (get) => {
  const seed = async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const rows: Array<[string, string | null, string | null]> = [
      ['beta', '10', 'Ann_x'],
      ['alpha', '9', 'annie'],
      ['gamma', 'p-1', null],
      ['beta', null, 'bob'],
    ]
    for (const [type, project, user] of rows) {
      const r = await send(h, key, {
        to: { users: ['u'] },
        type,
        title: type,
        ...(project ? { project: { id: project } } : {}),
        ...(user ? { actor: { id: user, username: user } } : {}),
      })
      assert.equal(r.status, 201, JSON.stringify(r.json))
    }
    return { h, v: { tenantId: t, userId: 'u' } }
  }

  test('rank orders types by position, unlisted as null; numeric compares ids as integers', async () => {
    const { h, v } = await seed()
    const byType = await h.core.inbox.list(v, {
      sort: { field: 'type', direction: 'asc', rank: ['beta', 'alpha'] },
      page: { kind: 'numbered', page: 1, size: 10 },
    })
    assert.deepEqual(
      byType.items.map((n) => n.type),
      ['beta', 'beta', 'alpha', 'gamma'],
    )
    const text = await h.core.inbox.list(v, {
      sort: { field: 'type', direction: 'asc' },
      page: { kind: 'numbered', page: 1, size: 10 },
    })
    assert.deepEqual(
      text.items.map((n) => n.type),
      ['alpha', 'beta', 'beta', 'gamma'],
    )
    const numeric = await h.core.inbox.list(v, {
      sort: { field: 'projectId', direction: 'asc', numeric: true },
      page: { kind: 'numbered', page: 1, size: 10 },
    })
    // '9' before '10' (text order would put '10' first); 'p-1' and no project sort as nulls, last.
    assert.deepEqual(
      numeric.items.slice(0, 2).map((n) => n.project?.id),
      ['9', '10'],
    )
    assert.equal(numeric.items.length, 4)
  })

  test('actorUsernameLike: case-insensitive, wildcards, trailing escape is literal', async () => {
    const { h, v } = await seed()
    const like = async (p: string) =>
      (await h.core.inbox.list(v, { filter: { actorUsernameLike: p }, limit: 10 })).items
        .map((n) => n.actor?.username)
        .sort()
    assert.deepEqual(await like('ann%'), ['Ann_x', 'annie'])
    assert.deepEqual(await like('ANN\\_%'), ['Ann_x'])
    assert.deepEqual(await like('%'), ['Ann_x', 'annie', 'bob'])
    assert.deepEqual(await like('b_b'), ['bob'])
    assert.deepEqual(await like('bob\\'), [])
    assert.deepEqual(await like('b\u0000%'), [], 'a NUL matches nothing rather than failing')
  })

  test('tieBreak uuid orders equal times by UUID in the sort direction; cursors refuse it', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    for (let i = 0; i < 6; i++) {
      const r = await send(h, key, {
        to: { users: ['u'] },
        type: 'x',
        title: `t${i}`,
        createdAt: '2026-01-01T00:00:00Z',
      })
      assert.equal(r.status, 201, JSON.stringify(r.json))
    }
    const v = { tenantId: t, userId: 'u' }
    const page = { kind: 'numbered', page: 1, size: 10 } as const
    for (const direction of ['asc', 'desc'] as const) {
      const { items } = await h.core.inbox.list(v, {
        sort: { field: 'createdAt', direction, tieBreak: 'uuid' },
        page,
      })
      const uuids = items.map((n) => n.uuid)
      const sorted = [...uuids].sort()
      assert.deepEqual(uuids, direction === 'asc' ? sorted : sorted.reverse())
    }
    await assert.rejects(
      h.core.inbox.list(v, { sort: { field: 'createdAt', direction: 'desc', tieBreak: 'uuid' } }),
      /UUID tie-break pages by number only/,
    )
  })
})
