import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

type Method = 'GET' | 'POST' | 'DELETE'
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const call = (h: TestHerald, method: Method, url: string, token: string, payload?: object) =>
  h.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload })

/** One notification for `r` in a fresh tenant, plus tokens for r, a neighbour and an outsider. */
async function setup(h: TestHerald) {
  const w = await world(h, { users: ['r', 'n'] })
  const res = await send(h, w.key, { to: { users: ['r', 'n'] }, type: 'x', title: 'mine' })
  const made = res.json.notifications as Array<{ recipientId: string; id: number; uuid: string }>
  const mine = made.find((m) => m.recipientId === 'r')
  assert.ok(mine)
  return {
    mine,
    r: w.tokens.r,
    neighbour: w.tokens.n,
    // The same user id, in another tenant.
    outsider: await h.token({ tenant: h.tenant(), user: 'r' }),
  }
}

describeEngines('native inbox: one notification', (get) => {
  test('GET by numeric id and by UUID; missing ids are 404', async () => {
    const h = get()
    const { mine, r } = await setup(h)
    assert.equal((await call(h, 'GET', `/v1/me/notifications/${mine.id}`, r)).json().id, mine.id)
    assert.equal((await call(h, 'GET', `/v1/me/notifications/${mine.uuid}`, r)).json().id, mine.id)
    for (const id of [
      '999999999',
      '0',
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000',
      '1234567890123456789',
    ]) {
      const res = await call(h, 'GET', `/v1/me/notifications/${id}`, r)
      assert.equal(res.statusCode, 404, id)
      assert.equal(res.json().error.code, 'NOT_FOUND')
    }
  })

  test("another user's and another tenant's id: 404 identical to a missing one", async () => {
    const h = get()
    const { mine, neighbour, outsider, r } = await setup(h)
    const strip = (b: { error: { requestId: string; details?: { id?: unknown } } }) => {
      const { requestId: _, details: __, ...rest } = b.error
      return rest
    }
    const missing = await call(h, 'GET', '/v1/me/notifications/987654321', neighbour)
    for (const [who, id] of [
      [neighbour, mine.id],
      [outsider, mine.id],
      [neighbour, mine.uuid],
      [outsider, mine.uuid],
    ] as const) {
      const res = await call(h, 'GET', `/v1/me/notifications/${id}`, who)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(strip(res.json()), strip(missing.json()))
      assert.deepEqual(
        Object.keys(res.json().error).sort(),
        Object.keys(missing.json().error).sort(),
      )
      for (const action of ['read', 'dismiss', 'snooze', 'seen']) {
        const act = await call(h, 'POST', `/v1/me/notifications/${id}/${action}`, who, {
          until: '2999-01-01T00:00:00Z',
        })
        assert.equal(act.statusCode, 404, `${action}: ${act.body}`)
      }
      assert.equal((await call(h, 'DELETE', `/v1/me/notifications/${id}`, who)).statusCode, 404)
    }
    const after = (await call(h, 'GET', `/v1/me/notifications/${mine.id}`, r)).json()
    assert.deepEqual(
      [after.read, after.seen, after.dismissed, after.snoozedUntil],
      [false, false, false, null],
    )
  })

  test('each action changes the state and returns the notification', async () => {
    const h = get()
    const { mine, r } = await setup(h)
    const act = async (action: string, body?: object) => {
      const res = await call(h, 'POST', `/v1/me/notifications/${mine.id}/${action}`, r, body)
      assert.equal(res.statusCode, 200, `${action}: ${res.body}`)
      return res.json()
    }
    let n = await act('read')
    assert.deepEqual([n.read, n.seen], [true, true])
    assert.ok(n.readAt)
    n = await act('read')
    assert.equal(n.read, true, 'repeating an action is harmless')
    n = await act('unread')
    assert.deepEqual([n.read, n.readAt, n.seen], [false, null, true])
    n = await act('unseen')
    assert.deepEqual([n.seen, n.seenAt], [false, null])
    n = await act('seen')
    assert.equal(n.seen, true)
    n = await act('dismiss')
    assert.equal(n.dismissed, true)
    assert.equal((await call(h, 'GET', '/v1/me/notifications', r)).json().items.length, 0)
    n = await act('undismiss')
    assert.deepEqual([n.dismissed, n.dismissedAt], [false, null])
    const until = new Date(Date.now() + 86_400_000).toISOString()
    n = await act('snooze', { until })
    assert.equal(n.snoozedUntil, until)
    assert.equal((await call(h, 'GET', '/v1/me/notifications', r)).json().items.length, 0)
    n = await act('unsnooze')
    assert.equal(n.snoozedUntil, null)
    assert.equal((await call(h, 'GET', '/v1/me/notifications', r)).json().items.length, 1)
  })

  test('an action takes no body at all, {}, null, or for snooze {until}', async () => {
    const h = get()
    const { mine, r } = await setup(h)
    const url = (action: string) => `/v1/me/notifications/${mine.id}/${action}`
    const bare = await h.app.inject({ method: 'POST', url: url('read'), headers: bearer(r) })
    assert.equal(bare.statusCode, 200, bare.body)
    assert.equal(bare.json().read, true)
    for (const payload of ['{}', 'null']) {
      const res = await h.app.inject({
        method: 'POST',
        url: url('unread'),
        headers: { ...bearer(r), 'content-type': 'application/json' },
        payload,
      })
      assert.equal(res.statusCode, 200, `${payload}: ${res.body}`)
      assert.equal(res.json().read, false)
    }
    const until = new Date(Date.now() + 3_600_000).toISOString()
    const snoozed = await call(h, 'POST', url('snooze'), r, { until })
    assert.equal(snoozed.json().snoozedUntil, until)
  })

  test('action validation: unknown action, snooze without until, bad until, extra fields', async () => {
    const h = get()
    const { mine, r } = await setup(h)
    const cases: Array<[string, object | undefined, RegExp]> = [
      ['archive', undefined, /action/],
      ['snooze', undefined, /until/],
      ['snooze', {}, /until/],
      ['snooze', { until: 'tomorrow' }, /until/],
      ['read', { until: '2030-01-01T00:00:00Z', extra: 1 }, /extra/],
    ]
    for (const [action, body, field] of cases) {
      const res = await call(h, 'POST', `/v1/me/notifications/${mine.id}/${action}`, r, body)
      assert.equal(res.statusCode, 400, `${action} ${JSON.stringify(body)}: ${res.body}`)
      assert.equal(res.json().error.code, 'VALIDATION')
      assert.match(`${res.json().error.details?.field} ${res.json().error.message}`, field)
    }
    const n = (await call(h, 'GET', `/v1/me/notifications/${mine.id}`, r)).json()
    assert.equal(n.snoozedUntil, null)
  })

  test('DELETE removes mine only; a second DELETE is 404', async () => {
    const h = get()
    const { mine, r, neighbour } = await setup(h)
    assert.equal((await call(h, 'DELETE', `/v1/me/notifications/${mine.uuid}`, r)).statusCode, 204)
    assert.equal((await call(h, 'GET', `/v1/me/notifications/${mine.id}`, r)).statusCode, 404)
    assert.equal((await call(h, 'DELETE', `/v1/me/notifications/${mine.id}`, r)).statusCode, 404)
    assert.equal((await call(h, 'GET', '/v1/me/notifications', neighbour)).json().items.length, 1)
  })
})
