import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { DAY, world } from '../support/tasking-manager-world.ts'

/** The notification as its owner sees it through the native API, or null when it is gone. */
async function native(h: TestHerald, tenant: string, user: string, id: number) {
  const token = await h.token({ tenant, user })
  const res = await h.app.inject({
    url: `/v1/me/notifications/${id}`,
    headers: { authorization: `Bearer ${token}` },
  })
  return res.statusCode === 200 ? (res.json() as { read: boolean }) : null
}

const notFound = (id: number) => ({
  error: {
    code: 404,
    sub_code: 'MESSAGE_NOT_FOUND',
    message: 'The requested message was not found on the server.',
    details: { message_id: id },
  },
})

describeEngines('tasking-manager dialect: single message, checkpoint, bulk actions', (get) => {
  test('GET one: marks read, answers the state before, with fromUserId', async () => {
    const h = get()
    const w = await world(h)
    const id = await w.push('5', {
      type: 'task_comment',
      actor: { id: '31', username: 'ann' },
      project: { id: '4', title: 'P' },
    })
    const tm = await w.as('5')
    const first = await tm(`/${id}/`)
    assert.equal(first.status, 200)
    const body = first.json()
    assert.equal(body.read, false)
    assert.equal(body.fromUserId, 31)
    assert.equal(body.messageType, 'TASK_COMMENT_NOTIFICATION')
    assert.equal(body.projectTitle, 'P')
    assert.equal((await native(h, w.tenant, '5', id))?.read, true, 'the GET marked it read')
    assert.equal((await tm(`/${id}/`)).json().read, true)
    const listed = (await tm('/')).json().userMessages[0]
    assert.equal(listed.read, true)
    const noSender = await w.push('5', {})
    assert.equal((await tm(`/${noSender}/`)).json().fromUserId, null)
  })

  test('GET and DELETE one: 404 body, 422 for a non-int id', async () => {
    const w = await world(get())
    const tm = await w.as('5')
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await tm('/987654/', { method })
      assert.equal(res.status, 404)
      assert.deepEqual(res.json(), notFound(987654))
      const zero = await tm('/0/', { method })
      assert.deepEqual(zero.json(), notFound(0))
      const bad = await tm('/12x/', { method })
      assert.equal(bad.status, 422)
      assert.deepEqual(bad.json(), {
        detail: [
          {
            type: 'int_parsing',
            loc: ['path', 'message_id'],
            msg: 'Input should be a valid integer, unable to parse string as an integer',
            input: '12x',
          },
        ],
      })
    }
  })

  test('DELETE one: removes it', async () => {
    const h = get()
    const w = await world(h)
    const id = await w.push('5')
    const tm = await w.as('5')
    const res = await tm(`/${id}/`, { method: 'DELETE' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { Success: 'Message deleted' })
    assert.equal(await native(h, w.tenant, '5', id), null)
    assert.equal((await tm(`/${id}/`, { method: 'DELETE' })).status, 404)
  })

  test('count-unread creates the checkpoint 30 days back; post-unread moves it', async () => {
    const w = await world(get())
    const now = Date.now()
    const tm = await w.as('5')
    const none = await tm('/queries/own/post-unread/', { method: 'POST' })
    assert.equal(none.status, 404, 'no checkpoint before count-unread')
    assert.deepEqual(none.json(), {
      error: {
        code: 404,
        sub_code: 'NOTIFICATIONS_NOT_FOUND',
        message:
          'The notifications associated with the requested resource were not found on the server.',
        details: { user_id: 5 },
      },
    })
    await w.push('5', { createdAt: new Date(now - 40 * DAY).toISOString() })
    await w.push('5', { createdAt: new Date(now - 10 * DAY).toISOString() })
    await w.push('5', { createdAt: new Date(now - 9 * DAY).toISOString(), read: true })
    await w.push('6', { createdAt: new Date(now - 9 * DAY).toISOString() })
    const count = await tm('/queries/own/count-unread/')
    assert.equal(count.status, 200)
    assert.equal(count.body, '{"newMessages":true,"unread":1}')
    const post = await tm('/queries/own/post-unread/', { method: 'POST' })
    assert.equal(post.status, 200)
    assert.equal(post.body, '0', 'a bare number: the stored unread_count')
    assert.match(String(post.headers['content-type']), /application\/json/)
    assert.equal((await tm('/queries/own/count-unread/')).body, '{"newMessages":false,"unread":0}')
    await w.push('5', { createdAt: new Date(now + 60_000).toISOString() })
    assert.equal((await tm('/queries/own/count-unread/')).json().unread, 1)
    const named = await (await w.as('ann'))('/queries/own/post-unread/', { method: 'POST' })
    assert.equal(named.json().error.details.user_id, 'ann', 'a non-digit user id stays a string')
  })

  test('delete-multiple: own ids only, others and unknown ignored, empty is a no-op', async () => {
    const h = get()
    const w = await world(h)
    const a = await w.push('5')
    const b = await w.push('5')
    const theirs = await w.push('6')
    const tm = await w.as('5')
    const empty = await tm('/delete-multiple/', { method: 'DELETE', payload: { messageIds: [] } })
    assert.equal(empty.status, 200)
    assert.deepEqual(empty.json(), { Success: 'Messages deleted' })
    const res = await tm('/delete-multiple/', {
      method: 'DELETE',
      payload: { messageIds: [a, theirs, 99999, String(b)] },
    })
    assert.deepEqual(res.json(), { Success: 'Messages deleted' })
    assert.equal(await native(h, w.tenant, '5', a), null)
    assert.equal(await native(h, w.tenant, '5', b), null)
    assert.notEqual(await native(h, w.tenant, '6', theirs), null)
  })

  test('bodies that are not {"messageIds":[int]} get a 422 and change nothing', async () => {
    const h = get()
    const w = await world(h)
    const a = await w.push('5')
    const tm = await w.as('5')
    const cases: Array<[unknown, string, Record<string, string>?]> = [
      [undefined, 'missing'],
      ['{"messageIds": [1,', 'json_invalid', { 'content-type': 'application/json' }],
      [{}, 'missing'],
      [{ messageIds: 'x' }, 'list_type'],
      [{ messageIds: [a, 'one'] }, 'int_parsing'],
      [{ messageIds: [a, 1.5] }, 'int_from_float'],
      [{ messageIds: [a, null] }, 'int_type'],
      [[a], 'model_attributes_type'],
      [{ messageIds: Array.from({ length: 1001 }, (_, i) => i + 1) }, 'too_long'],
    ]
    for (const path of ['/delete-multiple/', '/mark-as-read-multiple/']) {
      const method = path.startsWith('/delete') ? 'DELETE' : 'POST'
      for (const [payload, type, headers] of cases) {
        const res = await tm(path, {
          method,
          payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
          headers: headers ?? (payload === undefined ? {} : { 'content-type': 'application/json' }),
        })
        assert.equal(res.status, 422, `${path} ${JSON.stringify(payload)?.slice(0, 40)}`)
        assert.equal(res.json().detail[0].type, type)
      }
    }
    assert.equal((await native(h, w.tenant, '5', a))?.read, false, 'still there, still unread')
  })

  test('delete-all: everything, or only the given types; empty messageType is no filter', async () => {
    const h = get()
    const w = await world(h)
    const sys = await w.push('5', { type: 'system' })
    const bro = await w.push('5', { type: 'broadcast' })
    const inv = await w.push('5', { type: 'invitation' })
    const other = await w.push('6', { type: 'broadcast' })
    const tm = await w.as('5')
    const res = await tm('/delete-all/?messageType=2,7', { method: 'DELETE' })
    assert.deepEqual(res.json(), { Success: 'Messages deleted' })
    assert.equal(await native(h, w.tenant, '5', bro), null)
    assert.equal(await native(h, w.tenant, '5', inv), null)
    assert.notEqual(await native(h, w.tenant, '5', sys), null)
    const bad = await tm('/delete-all/?messageType=two', { method: 'DELETE' })
    assert.equal(bad.status, 422)
    assert.notEqual(await native(h, w.tenant, '5', sys), null)
    assert.equal((await tm('/delete-all/?messageType=', { method: 'DELETE' })).status, 200)
    assert.equal(await native(h, w.tenant, '5', sys), null)
    assert.notEqual(await native(h, w.tenant, '6', other), null, "another user's survives")
  })

  test('mark-as-read-all and mark-as-read-multiple', async () => {
    const h = get()
    const w = await world(h)
    const sys = await w.push('5', { type: 'system' })
    const men = await w.push('5', { type: 'mention' })
    const val = await w.push('5', { type: 'validation' })
    const other = await w.push('6', { type: 'mention' })
    const tm = await w.as('5')
    const res = await tm('/mark-as-read-all/?messageType=3', { method: 'POST' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { Success: 'Messages marked as read' })
    assert.equal((await native(h, w.tenant, '5', men))?.read, true)
    assert.equal((await native(h, w.tenant, '5', sys))?.read, false)
    const many = await tm('/mark-as-read-multiple/', {
      method: 'POST',
      payload: { messageIds: [sys, other, 424242] },
    })
    assert.deepEqual(many.json(), { Success: 'Messages marked as read' })
    assert.equal((await native(h, w.tenant, '5', sys))?.read, true)
    assert.equal((await native(h, w.tenant, '5', val))?.read, false)
    await tm('/mark-as-read-all/', { method: 'POST' })
    assert.equal((await native(h, w.tenant, '5', val))?.read, true)
    assert.equal((await native(h, w.tenant, '6', other))?.read, false, "another user's untouched")
  })

  test('routing: slash-less 307, 405 with Allow, unknown path 404, actions are not ids', async () => {
    const w = await world(get())
    const tm = await w.as('5')
    const redirect = await tm('?page=2')
    assert.equal(redirect.status, 307)
    assert.match(String(redirect.headers.location), /\/api\/v2\/notifications\/\?page=2$/)
    const r2 = await tm('/queries/own/count-unread')
    assert.equal(r2.status, 307)
    assert.match(String(r2.headers.location), /count-unread\/$/)
    const post = await tm('/queries/own/count-unread/', { method: 'POST' })
    assert.equal(post.status, 405)
    assert.deepEqual(post.json(), { detail: 'Method Not Allowed' })
    assert.equal(post.headers.allow, 'GET, HEAD')
    const put = await tm('/12/', { method: 'PUT' })
    assert.equal(put.status, 405)
    const missing = await tm('/queries/own/nothing/')
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.json(), { detail: 'Not Found' })
    const del = await tm('/delete-all/', { method: 'DELETE' })
    assert.deepEqual(del.json(), { Success: 'Messages deleted' })
    // As in TM, GET on an action path reaches /{message_id}/ and fails its int check.
    const asId = await tm('/delete-all/')
    assert.equal(asId.status, 422)
    assert.equal(asId.json().detail[0].input, 'delete-all')
  })
})
