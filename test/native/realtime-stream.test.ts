import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send } from '../support/harness.ts'
import { reader, streamClient } from '../support/sse.ts'

describeEngines('realtime stream', (get) => {
  const client = streamClient(() => get().app)
  const open = async (token: string, headers: Record<string, string> = {}) =>
    (await client.open(token, headers)).next

  test('new notifications and count changes arrive live; other users see nothing', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const alice = await open(await h.token({ tenant: t, user: 'alice' }))
    const bob = await open(await h.token({ tenant: t, user: 'bob' }))
    assert.deepEqual((await alice()).data, { unread: 0, unseen: 0 })
    assert.deepEqual((await bob()).data, { unread: 0, unseen: 0 })

    await send(h, key, { to: { users: ['alice'] }, type: 'comment', title: 'Live' })
    const created = await alice()
    assert.equal(created.event, 'notification.created')
    assert.equal(created.data.title, 'Live')
    assert.ok(created.id)
    assert.deepEqual((await alice()).data, { unread: 1, unseen: 1 })

    await send(h, key, { to: { users: ['bob'] }, type: 'comment', title: 'For Bob' })
    const forBob = await bob()
    assert.equal(forBob.data.title, 'For Bob')
    // Alice's next event is her own read, not Bob's notification.
    const token = await h.token({ tenant: t, user: 'alice' })
    await h.app.inject({
      method: 'POST',
      url: `/v1/me/notifications/${created.data.id}/read`,
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal((await alice()).event, 'notifications.changed')
    assert.deepEqual((await alice()).data, { unread: 0, unseen: 0 })
  })

  test('reconnecting with Last-Event-ID replays what was missed, from the database', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const token = await h.token({ tenant: t, user: 'carol' })
    const first = await open(token)
    await first()
    await send(h, key, { to: { users: ['carol'] }, type: 'comment', title: 'one' })
    const seen = await first()
    assert.ok(seen.id)
    // Sent while carol is "offline" (her next connection has not started yet).
    await send(h, key, { to: { users: ['carol'] }, type: 'comment', title: 'two' })
    await send(h, key, { to: { users: ['carol'] }, type: 'comment', title: 'three' })
    const again = await open(token, { 'last-event-id': seen.id })
    assert.equal((await again()).event, 'counts')
    assert.equal((await again()).data.title, 'two')
    assert.equal((await again()).data.title, 'three')
  })

  test('no credential or a bad one is refused before the stream opens', async () => {
    for (const url of [
      `${client.url()}/v1/me/stream`,
      `${client.url()}/v1/me/stream?access_token=forged.token.value`,
    ]) {
      const res = await fetch(url)
      assert.equal(res.status, 401)
      assert.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        'UNAUTHENTICATED',
      )
    }
  })

  test('access_token given twice is a 400 naming it, never a 500', async () => {
    const h = get()
    const token = await h.token({ tenant: h.tenant(), user: 'erin' })
    for (const [a, b] of [
      ['a', 'b'],
      [token, token],
    ]) {
      const res = await fetch(`${client.url()}/v1/me/stream?access_token=${a}&access_token=${b}`)
      assert.equal(res.status, 400)
      const e = ((await res.json()) as { error: { code: string; details: { field: string } } })
        .error
      assert.equal(e.code, 'VALIDATION')
      assert.equal(e.details.field, 'querystring.access_token')
    }
  })

  test('a Last-Event-ID that is not one of ours opens the stream with a reset, never an error', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const token = await h.token({ tenant: t, user: 'dave' })
    // EventSource gives up for good on any non-200: an unknown id must still open the stream.
    for (const id of ['not-a-cursor', '999999999']) {
      const next = await open(token, { 'last-event-id': id })
      const reset = await next()
      assert.equal(reset.event, 'reset')
      assert.equal(reset.data.reason, 'unknown-event-id')
      assert.equal((await next()).event, 'counts')
    }
    // After the reset the stream is live as usual.
    const next = await open(token, { 'last-event-id': 'not-a-cursor' })
    await next()
    await next()
    await send(h, key, { to: { users: ['dave'] }, type: 'comment', title: 'after reset' })
    assert.equal((await next()).data.title, 'after reset')
  })

  test('a send too large to name each recipient in its answer still reaches each open stream', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const c = new AbortController()
    const res = await fetch(`${client.url()}/v1/me/stream`, {
      headers: { authorization: `Bearer ${await h.token({ tenant: t, user: 'u7' })}` },
      signal: c.signal,
    })
    const next = reader(res)
    assert.deepEqual((await next()).data, { unread: 0, unseen: 0 })
    const users = Array.from({ length: 150 }, (_, i) => `u${i}`)
    assert.equal(
      (await send(h, key, { to: { users }, type: 'digest', title: 'Weekly' })).status,
      201,
    )
    const created = await next()
    assert.equal(created.event, 'notification.created')
    assert.equal(created.data.title, 'Weekly')
    assert.deepEqual((await next()).data, { unread: 1, unseen: 1 })
    c.abort()
  })
})
