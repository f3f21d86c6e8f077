import assert from 'node:assert/strict'
import { test } from 'node:test'
import { toSendInput } from '../../src/http/native/routes/send.ts'
import { SendBody } from '../../src/http/native/schemas.ts'

// A body with every field of the schema set (the timing fields too, which the core does not take).
const full: SendBody = {
  to: { users: [7] },
  type: 'task.assigned',
  title: 'Assigned',
  body: 'text',
  link: 'https://example.com/t/1',
  source: 'tracker',
  actor: { id: 9, username: 'ann' },
  project: { id: 'p' },
  target: { id: 't', title: 'T' },
  parent: { id: 'e' },
  root: { id: 1 },
  data: { n: 1 },
  actions: [{ label: 'Open', url: 'https://example.com' }],
  important: true,
  mention: true,
  automated: true,
  createdAt: '2026-01-02T03:04:05.000Z',
  read: true,
  seen: '2026-01-02T03:04:06.000Z',
  dismissed: false,
  snoozedUntil: '2026-02-01T00:00:00.000Z',
  expiresAt: null,
  groupKey: 'g',
  lastActionAt: '2026-01-02T03:04:07.000Z',
  keepLatest: 5,
  sendAt: '2026-03-01T00:00:00.000Z',
  delaySeconds: 0,
  critical: true,
}

test('the send body reaches the core whole: every field of the schema, but when to send it', () => {
  // toSendInput lists the fields one by one (for speed): a field added to the schema must be
  // added there too, or it would be dropped without a word.
  const fields = Object.keys(SendBody.properties).filter(
    (k) => k !== 'sendAt' && k !== 'delaySeconds',
  )
  assert.deepEqual(Object.keys(full).sort(), Object.keys(SendBody.properties).sort())
  const input = toSendInput(full) as unknown as Record<string, unknown>
  for (const k of fields) assert.notEqual(input[k], undefined, `${k} is carried`)
  assert.equal('sendAt' in input, false)
  assert.equal('delaySeconds' in input, false)
  assert.deepEqual((input.to as { users: string[] }).users, ['7'])
  assert.deepEqual(input.actor, { id: '9', username: 'ann' })
  assert.deepEqual(input.root, { id: '1' })
  assert.deepEqual(input.actions, [
    { label: 'Open', url: 'https://example.com', style: 'secondary' },
  ])
  assert.deepEqual(input.createdAt, new Date('2026-01-02T03:04:05.000Z'))
  assert.equal(input.read, true)
  assert.deepEqual(input.seen, new Date('2026-01-02T03:04:06.000Z'))
  assert.equal(input.dismissed, false)
  assert.equal(input.expiresAt, null)
})
