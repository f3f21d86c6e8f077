import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose'
import { describeEngines, SECRET, send, type TestHerald } from '../support/harness.ts'

const ISSUER = 'https://app.example.com'
const AUDIENCE = 'herald'

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey']

interface Keys {
  rsa: Key
  ec: Key
  stranger: Key
  pems: string
}

async function makeKeys(): Promise<Keys> {
  const rsa = await generateKeyPair('RS256')
  const ec = await generateKeyPair('ES256')
  const stranger = await generateKeyPair('RS256')
  const pems = `${await exportSPKI(rsa.publicKey)}\n${await exportSPKI(ec.publicKey)}`
  return { rsa: rsa.privateKey, ec: ec.privateKey, stranger: stranger.privateKey, pems }
}

const now = () => Math.floor(Date.now() / 1000)

/** A token as a host application would sign it; `omit` drops standard claims. */
function sign(
  key: Key | Uint8Array,
  alg: string,
  claims: JWTPayload & { tenant?: string },
  omit: Array<'iss' | 'aud' | 'exp' | 'sub'> = [],
) {
  const full: JWTPayload = { iss: ISSUER, aud: AUDIENCE, sub: 'r', exp: now() + 600, ...claims }
  for (const k of omit) delete full[k]
  return new SignJWT(full).setProtectedHeader({ alg }).sign(key)
}

async function status(h: TestHerald, token: string) {
  const res = await h.app.inject({
    url: '/v1/me/notifications',
    headers: { authorization: `Bearer ${token}` },
  })
  if (res.statusCode !== 200) {
    const e = res.json().error
    assert.equal(e.code, 'UNAUTHENTICATED')
    assert.equal(typeof e.requestId, 'string')
  }
  return res.statusCode
}

// The suites' environments name the public keys, so the keys exist before the suites are built.
const keys = await makeKeys()

describeEngines(
  'auth: asymmetric tokens, issuer and audience',
  (get) => {
    let tenant = ''
    before(async () => {
      const h = get()
      tenant = h.tenant()
      await send(h, await h.apiKey(tenant), { to: { users: ['r'] }, type: 'x', title: 'hi' })
    })

    test('RS256 and ES256 with a configured key, HS256 with the secret', async () => {
      const h = get()
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant })), 200)
      assert.equal(await status(h, await sign(keys.ec, 'ES256', { tenant })), 200)
      const hs = new TextEncoder().encode(SECRET)
      assert.equal(await status(h, await sign(hs, 'HS256', { tenant })), 200)
      const res = await h.app.inject({
        url: '/v1/me/notifications',
        headers: { authorization: `Bearer ${await sign(keys.ec, 'ES256', { tenant })}` },
      })
      assert.equal(res.json().items[0].title, 'hi')
    })

    test('issuer and audience are checked when configured', async () => {
      const h = get()
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant }, ['iss'])), 401)
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant }, ['aud'])), 401)
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant, iss: 'evil' })), 401)
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant, aud: 'other' })), 401)
      // What `herald token` mints carries neither, so such a deployment refuses it.
      assert.equal(await status(h, await h.token({ tenant, user: 'r' })), 401)
    })

    test('wrong key, expired, not yet valid, missing claims: all 401', async () => {
      const h = get()
      assert.equal(await status(h, await sign(keys.stranger, 'RS256', { tenant })), 401)
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant, exp: now() - 5 })), 401)
      assert.equal(
        await status(h, await sign(keys.rsa, 'RS256', { tenant, nbf: now() + 600 })),
        401,
      )
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', {})), 401)
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant: '' })), 401)
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant }, ['sub'])), 401)
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant }, ['exp'])), 401)
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant: 42 as never })), 401)
      // An ES256 signature presented as RS256 (and the reverse) does not verify.
      const es = (await sign(keys.ec, 'ES256', { tenant })).split('.')
      const rsHeader = Buffer.from('{"alg":"RS256"}').toString('base64url')
      assert.equal(await status(h, `${rsHeader}.${es[1]}.${es[2]}`), 401)
    })

    test('the expired message says so', async () => {
      const res = await get().app.inject({
        url: '/v1/me/counts',
        headers: {
          authorization: `Bearer ${await sign(keys.rsa, 'RS256', { tenant, exp: now() - 5 })}`,
        },
      })
      assert.equal(res.statusCode, 401)
      assert.match(res.json().error.message, /expired/)
    })
  },
  {
    env: {
      HERALD_JWT_PUBLIC_KEYS: keys.pems,
      HERALD_JWT_ISSUER: ISSUER,
      HERALD_JWT_AUDIENCE: AUDIENCE,
    },
  },
)

describeEngines(
  'auth: public keys only, no shared secret',
  (get) => {
    test('an HS256 token is refused, including one keyed with the public key (alg confusion)', async () => {
      const h = get()
      const tenant = h.tenant()
      assert.equal(await status(h, await sign(keys.rsa, 'RS256', { tenant })), 200)
      assert.equal(await status(h, await h.token({ tenant, user: 'r' })), 401)
      const confused = new TextEncoder().encode(keys.pems.split('\n-----BEGIN')[0] ?? '')
      assert.equal(await status(h, await sign(confused, 'HS256', { tenant })), 401)
    })
  },
  { env: { HERALD_JWT_SECRET: '', HERALD_JWT_PUBLIC_KEYS: keys.pems } },
)
