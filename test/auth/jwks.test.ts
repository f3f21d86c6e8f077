import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createTokenVerifier } from '../../src/auth/tokens.ts'

describe('user tokens from a JWKS URL (the host application mints them)', () => {
  const server = createServer()
  let url = ''
  let sign: (claims: Record<string, unknown>, kid: string) => Promise<string>

  before(async () => {
    const rs = await generateKeyPair('RS256')
    const es = await generateKeyPair('ES256')
    const keys = [
      { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
    ]
    server.on('request', (_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ keys }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`
    sign = (claims, kid) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: kid === 'rs' ? 'RS256' : 'ES256', kid })
        .setSubject('u1')
        .setIssuer('https://app.example')
        .setAudience('herald')
        .setExpirationTime('1h')
        .sign(kid === 'rs' ? rs.privateKey : es.privateKey)
  })
  after(() => server.close())

  const verifier = () =>
    createTokenVerifier({
      secret: null,
      publicKeys: [],
      jwksUrl: url,
      issuer: 'https://app.example',
      audience: 'herald',
    })

  test('RS256 and ES256 tokens verify against the published keys', async () => {
    for (const kid of ['rs', 'es']) {
      const p = await verifier().verify(await sign({ tenant: 'acme', roles: ['admin'] }, kid))
      assert.deepEqual([p.tenantId, p.userId, p.kind, p.roles], ['acme', 'u1', 'user', ['admin']])
    }
  })

  test('an unknown key id, a wrong audience and alg none are refused', async () => {
    const v = verifier()
    const other = await generateKeyPair('RS256')
    const stranger = await new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rs' })
      .setSubject('u1')
      .setIssuer('https://app.example')
      .setAudience('herald')
      .setExpirationTime('1h')
      .sign(other.privateKey)
    await assert.rejects(v.verify(stranger), { code: 'UNAUTHENTICATED' })
    const forOthers = createTokenVerifier({
      secret: null,
      publicKeys: [],
      jwksUrl: url,
      issuer: 'https://app.example',
      audience: 'another-service',
    })
    await assert.rejects(forOthers.verify(await sign({ tenant: 'acme' }, 'rs')), {
      code: 'UNAUTHENTICATED',
    })
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const none = `${b64({ alg: 'none' })}.${b64({ sub: 'u1', tenant: 'acme', exp: 9e9 })}.`
    await assert.rejects(v.verify(none), { code: 'UNAUTHENTICATED' })
  })
})
