import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { createTokenVerifier, mintToken } from '../../src/auth/tokens.ts'
import type { Principal } from '../../src/core/notification.ts'
import { principalKey } from '../../src/http/rate-limit.ts'

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

  test('rate limits count by principal: the user or the API key, never the credential text', () => {
    const user = (tenantId: string, userId: string): Principal => ({
      tenantId,
      userId,
      roles: [],
      scopes: [],
      kind: 'user',
    })
    // One user is one bucket, whatever credential text carried them; users and tenants differ.
    assert.equal(principalKey(user('t', 'u')), principalKey({ ...user('t', 'u'), roles: ['x'] }))
    assert.notEqual(principalKey(user('t', 'u')), principalKey(user('t', 'v')))
    assert.notEqual(principalKey(user('t', 'u')), principalKey(user('t2', 'u')))
    // Ids that would run together if simply joined stay apart.
    assert.notEqual(principalKey(user('a', 'b:c')), principalKey(user('a:b', 'c')))
    const server = (keyId?: string): Principal => ({
      tenantId: 't',
      userId: null,
      roles: [],
      scopes: [],
      kind: 'server',
      ...(keyId ? { keyId } : {}),
    })
    assert.equal(principalKey(server('k1')), 'k:k1')
    assert.notEqual(principalKey(server('k1')), principalKey(server('k2')))
    assert.equal(principalKey(server()), 'o:t')
  })
})
