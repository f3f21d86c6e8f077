import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const list = async (h: TestHerald, token: string) =>
  (
    await h.app.inject({
      url: '/v1/me/notifications',
      headers: { authorization: `Bearer ${token}` },
    })
  ).json().items as Array<{ id: number; title: string; actions: unknown[] }>

const messageCount = async (h: TestHerald, tenant: string) =>
  Number(
    (
      await sql<{ n: number }>`SELECT count(*)::int AS n FROM messages
        WHERE tenant_id = ${tenant}`.execute(h.storage.db)
    ).rows[0]?.n,
  )

describeEngines('notification actions', (get) => {
  test('sent with actions, listed and read back with them; stored once for every recipient', async () => {
    const h = get()
    const tenant = h.tenant()
    const key = await h.apiKey(tenant)
    const actions = [
      { label: 'Review', url: 'https://app.example.com/pr/7', style: 'primary' },
      { label: 'Later', url: 'http://app.example.com/snooze?id=7' },
    ]
    const r = await send(h, key, {
      to: { users: ['alice', 'bob'] },
      type: 'pr',
      title: 'PR #7',
      actions,
    })
    assert.equal(r.status, 201, JSON.stringify(r.json))
    await send(h, key, { to: { users: ['alice'] }, type: 'pr', title: 'No buttons' })
    const expected = [actions[0], { ...actions[1], style: 'secondary' }]
    for (const user of ['alice', 'bob']) {
      const items = await list(h, await h.token({ tenant, user }))
      const withActions = items.find((n) => n.title === 'PR #7')
      assert.deepEqual(withActions?.actions, expected)
    }
    const alice = await h.token({ tenant, user: 'alice' })
    const items = await list(h, alice)
    assert.deepEqual(items.find((n) => n.title === 'No buttons')?.actions, [])
    const one = await h.app.inject({
      url: `/v1/me/notifications/${items.find((n) => n.title === 'PR #7')?.id}`,
      headers: { authorization: `Bearer ${alice}` },
    })
    assert.deepEqual(one.json().actions, expected)
    // Once per send, however many recipients: the message row holds them.
    const stored = await sql<{ actions: unknown }>`SELECT actions FROM messages
      WHERE tenant_id = ${tenant} AND title = 'PR #7'`.execute(h.storage.db)
    assert.equal(stored.rows.length, 1)
    assert.deepEqual(stored.rows[0]?.actions, expected)
  })

  test('bad actions are 400 and store nothing', async () => {
    const h = get()
    const tenant = h.tenant()
    const key = await h.apiKey(tenant)
    const ok = { label: 'Open', url: 'https://example.com/a' }
    const bad: Array<[string, unknown]> = [
      ['three actions', [ok, ok, ok]],
      [
        'two primaries',
        [
          { ...ok, style: 'primary' },
          { ...ok, style: 'primary' },
        ],
      ],
      ['a javascript: URL', [{ label: 'x', url: 'javascript:alert(1)' }]],
      ['a data: URL', [{ label: 'x', url: 'data:text/html,hi' }]],
      ['a relative URL', [{ label: 'x', url: '/inbox' }]],
      ['a long label', [{ label: 'x'.repeat(65), url: ok.url }]],
      ['a blank label', [{ label: '   ', url: ok.url }]],
      ['a long URL', [{ label: 'x', url: `https://example.com/${'a'.repeat(2048)}` }]],
      ['an unknown style', [{ ...ok, style: 'danger' }]],
      ['an unknown field', [{ ...ok, onclick: 'x' }]],
      ['not a list', ok],
    ]
    for (const [what, actions] of bad) {
      const r = await send(h, key, { to: { users: ['alice'] }, type: 't', title: what, actions })
      assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json)}`)
      assert.equal((r.json.error as { code: string }).code, 'VALIDATION', what)
    }
    assert.equal(await messageCount(h, tenant), 0)
    assert.deepEqual(await list(h, await h.token({ tenant, user: 'alice' })), [])
  })
})
