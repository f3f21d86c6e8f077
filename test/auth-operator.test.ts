import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { FastifyRequest } from 'fastify'
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { createTokenVerifier, mintToken } from '../src/auth/tokens.ts'
import { rateKey } from '../src/http/app.ts'

const SECRET = 'operator-test-secret-0123456789abcdef'

describe('operator tokens and rate-limit keys', () => {
  test('only a token signed with Herald’s secret can be an operator; roles never grant it', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256')
    const verifier = createTokenVerifier({
      secret: SECRET,
      publicKeys: [await exportSPKI(publicKey)],
      jwksUrl: null,
      issuer: null,
      audience: null,
    })
    const own = await mintToken(SECRET, { tenant: 't', user: 'cli', operator: true })
    assert.equal((await verifier.verify(own)).kind, 'server')

    const hostOperator = await new SignJWT({ tenant: 't', herald_operator: true })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('x')
      .setExpirationTime('1h')
      .sign(privateKey)
    await assert.rejects(verifier.verify(hostOperator), { code: 'UNAUTHENTICATED' })

    const roleNamed = await new SignJWT({ tenant: 't', roles: ['operator'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('x')
      .setExpirationTime('1h')
      .sign(privateKey)
    const p = await verifier.verify(roleNamed)
    assert.equal(p.kind, 'user')
    assert.equal(p.userId, 'x')
  })

  test('the rate-limit key is the credential, whatever scheme, case or spacing wraps it', () => {
    const req = (headers: Record<string, string>) =>
      ({ headers, ip: '10.0.0.9' }) as unknown as FastifyRequest
    const keys = [
      rateKey(req({ authorization: 'Bearer abc' })),
      rateKey(req({ authorization: 'bearer   abc ' })),
      rateKey(req({ authorization: 'Token abc' })),
      rateKey(req({ 'x-auth-token': 'abc' })),
    ]
    assert.equal(new Set(keys).size, 1)
    assert.notEqual(rateKey(req({ authorization: 'Bearer abd' })), keys[0])
    assert.equal(rateKey(req({})), 'address:10.0.0.9')
  })
})
