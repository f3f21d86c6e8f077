import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { sql } from 'kysely'
import { MARK_ALL_COUNT_CAP } from '../../src/core/inbox.ts'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

/**
 * Every dialect reads the read mark that "mark all read" sets: its own mark-all where it has
 * one (Ondi, Mantle2, Tasking Manager), the native one otherwise (Productive, Kendo); then its
 * read flags, unread counts and filters, one marked unread below the mark, and a later send.
 */

const call = (h: TestHerald, method: string, url: string, headers: object, payload?: unknown) =>
  h.app.inject({
    method: method as 'GET',
    url,
    headers: headers as Record<string, string>,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })

const nativeMarkAll = async (h: TestHerald, token: string) => {
  const res = await call(h, 'POST', '/v1/me/notifications/bulk', bearer(token), {
    action: 'read',
    filter: {},
  })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().changed as number
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Whether the user's mark-all went through the read mark (the store holds one for them). */
const hasMark = async (h: TestHerald, tenant: string, user: string) => {
  const { rows } = await sql<{ c: number }>`SELECT count(*) AS c FROM read_marks
    WHERE tenant_id = ${tenant} AND user_id = ${user}`.execute(h.storage.db)
  return Number(rows[0]?.c) === 1
}

describeEngines('dialects read the read mark', (get) => {
  test('ondi: mark-read of everything, then stats, the list and a later send', async () => {
    const h = get()
    const user = randomUUID()
    const w = await world(h, { tenant: randomUUID(), notification: { type: 'x', title: 'T' } })
    const auth = bearer(await w.token(user))
    const B = '/compat/ondi/messaging/notifications'
    const a = (await w.seed(user)).uuid
    const dismissed = (await w.seed(user, { dismissed: true })).uuid
    const stats = async () => (await call(h, 'GET', `${B}/stats`, auth)).json().stats
    const list = async () =>
      (await call(h, 'GET', `${B}?limit=100`, auth)).json().notifications as Array<{
        id: string
        read_at: string | null
      }>
    const mark = await call(h, 'PUT', `${B}/mark-read`, auth)
    assert.equal(mark.json().updated_count, 2, 'Ondi reads dismissed ones too, as before')
    assert.ok(await hasMark(h, w.tenant, user))
    assert.deepEqual(await stats(), { total: 2, unread: 0, read: 2 })
    const items = await list()
    assert.ok(items.every((n) => n.read_at !== null))
    assert.ok(items.some((n) => n.id === dismissed))
    const later = (await w.seed(user)).uuid
    assert.deepEqual(await stats(), { total: 3, unread: 1, read: 2 })
    const byIds = await call(h, 'PUT', `${B}/mark-read`, auth, { notification_ids: [a, later] })
    assert.equal(byIds.json().updated_count, 1, 'the covered one was read already')
    assert.deepEqual(await stats(), { total: 3, unread: 0, read: 3 })
  })

  test(`ondi: mark-read of everything counts exactly, past the native reply's cap of ${MARK_ALL_COUNT_CAP}`, async () => {
    const h = get()
    const user = randomUUID()
    const w = await world(h, { tenant: randomUUID(), notification: { type: 'x', title: 'T' } })
    const auth = bearer(await w.token(user))
    const sent = await w.seed(user)
    const many = MARK_ALL_COUNT_CAP + 21
    // Copies of the sent row with its event number: a send each would take seconds.
    await sql`INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at, seq)
      SELECT tenant_id, recipient_id, message_id, type, created_at - g * interval '1 second', seq
      FROM notifications, generate_series(1, ${many - 1}) AS g
      WHERE tenant_id = ${w.tenant} AND id = ${sent.id}`.execute(h.storage.db)
    const mark = await call(h, 'PUT', '/compat/ondi/messaging/notifications/mark-read', auth)
    assert.equal(mark.statusCode, 200, mark.body)
    assert.equal(mark.json().updated_count, many)
    assert.ok(await hasMark(h, w.tenant, user), 'through the read mark')
  })

  test('mantle2: mark_all_read, then one unread below the mark, 409 on a covered one', async () => {
    const h = get()
    const w = await world(h, {
      notification: { type: 'info', title: 'T' },
      profiles: { '42': { username: 'alice' } },
    })
    const auth = bearer(await w.token('42'))
    const P = '/compat/mantle2/v2/users/current/notifications'
    const hex = (u: string) => u.replaceAll('-', '')
    const a = hex((await w.seed('42')).uuid)
    const b = hex((await w.seed('42')).uuid)
    const list = async () => (await call(h, 'GET', P, auth)).json()
    assert.equal((await call(h, 'POST', `${P}/mark_all_read`, auth)).statusCode, 204)
    assert.ok(await hasMark(h, w.tenant, '42'))
    const after = await list()
    assert.equal(after.unread_count, 0)
    assert.ok(after.items.every((i: { read: boolean }) => i.read))
    const again = await call(h, 'POST', `${P}/${a}/mark_read`, auth)
    assert.equal(again.statusCode, 409, 'already read, by the mark')
    assert.equal((await call(h, 'POST', `${P}/${b}/mark_unread`, auth)).statusCode, 204)
    assert.equal((await list()).unread_count, 1)
    assert.equal((await call(h, 'GET', `${P}/${b}`, auth)).json().read, false)
    assert.equal((await call(h, 'GET', `${P}/${a}`, auth)).json().read, true)
    await w.seed('42')
    assert.equal((await list()).unread_count, 2)
    assert.equal((await call(h, 'POST', `${P}/mark_all_unread`, auth)).statusCode, 204)
    assert.equal((await list()).unread_count, 3, 'mark all unread reaches covered ones too')
  })

  test('tasking manager: mark-as-read-all, by type and all; status filter, read sort, count', async () => {
    const h = get()
    const w = await world(h, { notification: { title: 'T' } })
    // Tasking Manager's header: "Token " and the base64 of the token.
    const auth = { authorization: `Token ${Buffer.from(await w.token('5')).toString('base64')}` }
    const P = '/compat/tasking-manager/api/v2/notifications'
    const men = (await w.seed('5', { type: 'mention' })).id
    const val = (await w.seed('5', { type: 'validation' })).id
    const q = async (query: string) =>
      (
        (await call(h, 'GET', `${P}/?${query}`, auth)).json().userMessages as Array<{
          messageId: number
          read: boolean
        }>
      ).map((m) => m.messageId)
    assert.equal(
      (await call(h, 'POST', `${P}/mark-as-read-all/?messageType=3`, auth)).statusCode,
      200,
    )
    assert.deepEqual(await q('status=unread'), [val], 'by type: row by row')
    assert.equal(await hasMark(h, w.tenant, '5'), false)
    assert.equal((await call(h, 'POST', `${P}/mark-as-read-all/`, auth)).statusCode, 200)
    assert.ok(await hasMark(h, w.tenant, '5'))
    assert.deepEqual(await q('status=unread'), [])
    assert.deepEqual(new Set(await q('status=read')), new Set([men, val]))
    const fresh = (await w.seed('5', { type: 'mention' })).id
    assert.deepEqual(await q('status=unread'), [fresh])
    assert.deepEqual((await q('sortBy=read&sortDirection=asc')).at(0), fresh, 'unread first')
    const count = await call(h, 'GET', `${P}/queries/own/count-unread/`, auth)
    assert.equal(count.json().unread, 1)
  })

  test('productive: the read attribute after a mark-all; reading a covered one is a 200', async () => {
    const h = get()
    const w = await world(h, { notification: { type: 'task_created', title: 'T' } })
    const token = await w.token('alice')
    const headers = { 'x-auth-token': token, 'x-organization-id': w.tenant }
    const B = '/compat/productive/api/v2/notifications'
    const id = String((await w.seed('alice')).id)
    assert.equal(await nativeMarkAll(h, token), 1)
    const one = await call(h, 'GET', `${B}/${id}`, headers)
    assert.equal(one.json().data.attributes.read, true)
    const list = await call(h, 'GET', B, headers)
    assert.deepEqual(
      list.json().data.map((d: { attributes: { read: boolean } }) => d.attributes.read),
      [true],
    )
    const patched = await call(h, 'PATCH', `${B}/${id}/read`, headers)
    assert.equal(patched.statusCode, 200, patched.body)
    assert.equal(patched.json().data.attributes.read, true)
  })

  test('kendo: read_at after a mark-all is the mark time; bulk-unread below the mark', async () => {
    const h = get()
    const w = await world(h, { notification: { type: 'comment', title: 'Hi' } })
    await w.putUser('4', { permissions: ['Notifications: Update'] })
    const token = await w.token('4')
    const B = '/compat/kendo/api/notifications'
    const early = (await w.seed('4', { read: '2026-03-12T16:30:00Z' })).id
    const a = (await w.seed('4')).id
    const b = (await w.seed('4')).id
    assert.equal(await nativeMarkAll(h, token), 2)
    const list = async () =>
      (await call(h, 'GET', B, bearer(token))).json() as Array<{ id: number; read_at: unknown }>
    const byId = new Map((await list()).map((n) => [n.id, n.read_at]))
    assert.equal(byId.get(early), '2026-03-12T16:30:00.000000Z', 'its own read time')
    assert.match(String(byId.get(a)), /^\d{4}-\d\d-\d\dT/)
    assert.equal(byId.get(a), byId.get(b), 'both read by the mark, at its time')
    const un = await call(h, 'POST', `${B}/bulk-unread`, bearer(token), { notification_ids: [a] })
    assert.equal(un.statusCode, 204, un.body)
    const after = new Map((await list()).map((n) => [n.id, n.read_at]))
    assert.equal(after.get(a), null)
    assert.equal(after.get(b), byId.get(b))
  })
})
