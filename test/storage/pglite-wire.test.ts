import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readOnMain, scanResult } from '../../src/storage/pglite-wire.ts'

// Backend messages built by hand: a type byte, a length (itself included), a body.
const message = (type: string, body: Buffer) => {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([head, body])
}
const cstr = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])])
const int16 = (n: number) => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const rowDescription = (fields: Array<[string, number]>) =>
  message(
    'T',
    Buffer.concat([
      int16(fields.length),
      ...fields.flatMap(([name, oid]) => [
        cstr(name),
        int32(0),
        int16(0),
        int32(oid),
        int16(-1),
        int32(-1),
        int16(0),
      ]),
    ]),
  )
const dataRow = (values: Array<string | null>) =>
  message(
    'D',
    Buffer.concat([
      int16(values.length),
      ...values.flatMap((v) => {
        if (v === null) return [int32(-1)]
        const bytes = Buffer.from(v, 'utf8')
        return [int32(bytes.length), bytes]
      }),
    ]),
  )

test('rows, nulls and the changed count come out of the bytes', () => {
  const bytes = Buffer.concat([
    message('2', Buffer.alloc(0)), // BindComplete
    rowDescription([
      ['id', 20],
      ['title', 25],
      ['read', 16],
      ['at', 1184],
      ['doc', 3802],
    ]),
    dataRow(['42', 'héllo', 't', '2026-12-07 21:00:00.5+00', '{"k":[1]}']),
    dataRow(['9007199254740993', null, 'f', null, 'null']),
    message('C', cstr('SELECT 2')),
    message('Z', Buffer.from('I')),
  ])
  assert.deepEqual(scanResult(bytes), { error: null, types: [20, 25, 16, 1184, 3802] })
  const { rows } = readOnMain(bytes)
  assert.deepEqual(rows, [
    {
      id: 42,
      title: 'héllo',
      read: true,
      at: new Date('2026-12-07T21:00:00.500Z'),
      doc: { k: [1] },
    },
    { id: 9007199254740993n, title: null, read: false, at: null, doc: null },
  ])
  const update = Buffer.concat([message('n', Buffer.alloc(0)), message('C', cstr('UPDATE 3'))])
  assert.deepEqual(readOnMain(update), { rows: [], affectedRows: 3 })
})

test("an error's code, detail and constraint are found, even in a message cut short", () => {
  const fields = Buffer.concat([
    cstr('SERROR'),
    cstr('C23505'),
    cstr('Mduplicate key value violates unique constraint "probe_pkey"'),
    cstr('DKey (id)=(1) already exists.'),
    cstr('nprobe_pkey'),
    Buffer.from([0]),
  ])
  const answer = Buffer.concat([message('E', fields), message('Z', Buffer.from('I'))])
  assert.deepEqual(scanResult(answer).error, {
    message: 'duplicate key value violates unique constraint "probe_pkey"',
    code: '23505',
    detail: 'Key (id)=(1) already exists.',
    constraint: 'probe_pkey',
  })
  // No terminating NULs at all: the reading stops at the end instead of going round.
  const cut = message('E', Buffer.from('C42P01', 'utf8'))
  assert.deepEqual(scanResult(cut).error, { message: '', code: '42P01' })
  // A length that points back: both readers stop.
  const back = Buffer.concat([
    message('C', cstr('SELECT 0')),
    Buffer.from([0x44, 0xff, 0xff, 0xff, 0xf0]),
  ])
  assert.deepEqual(scanResult(back), { error: null, types: [] })
  assert.deepEqual(readOnMain(back), { rows: [], affectedRows: undefined })
})
