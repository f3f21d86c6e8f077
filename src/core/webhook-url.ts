import { BlockList, isIP } from 'node:net'
import { invalid } from './errors.ts'

/** The longest endpoint URL a tenant may register. */
export const WEBHOOK_URL_MAX = 2048

// Addresses a webhook must not reach unless the operator allows it: the host itself, the private
// networks behind it, link-local (cloud metadata services at 169.254.169.254), carrier-grade NAT,
// multicast and the unspecified address. A tenant could otherwise make Herald call its neighbours.
const blocked = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4')
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6')
}

/** Whether an IP address is one a webhook must not reach (loopback, private, link-local…). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return blocked.check(address, 'ipv4')
  if (family !== 6) return false
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  return mapped ? blocked.check(mapped, 'ipv4') : blocked.check(address, 'ipv6')
}

/** The host of a URL as an address when it is one (brackets of IPv6 removed), else null. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1')
  return isIP(bare) ? bare : null
}

/**
 * An endpoint URL a tenant may register: http or https, at most WEBHOOK_URL_MAX characters, no
 * credentials in it, and (unless `allowPrivate`) no host that names this machine or a private
 * network by itself. Names that resolve to such addresses are refused at delivery, when resolved.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): string {
  if (raw.length > WEBHOOK_URL_MAX) throw invalid('url', `at most ${WEBHOOK_URL_MAX} characters`)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw invalid('url', 'is not an absolute URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('url', 'must be http or https')
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid('url', 'must not carry credentials; verify the signature instead')
  }
  if (!allowPrivate) {
    const host = url.hostname.toLowerCase()
    const address = literalAddress(host)
    if (
      host === 'localhost' ||
      host.endsWith('.localhost') ||
      (address && isPrivateAddress(address))
    ) {
      throw invalid('url', 'must not point at this host or a private network')
    }
  }
  return url.href
}
