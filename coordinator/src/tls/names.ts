/**
 * The names a coordinator's automatic certificate covers: the address it listens on (every
 * interface's for 0.0.0.0 or ::), loopback, this host's name, and the operator's `--tls-san`s.
 */
import { isIP } from 'node:net';
import os from 'node:os';

/** DNS names and IP addresses for a certificate's subjectAltName. */
export interface CertificateNames {
  dns: string[];
  ips: string[];
}

function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .flatMap((i) => (i === undefined ? [] : [i.address.split('%')[0] ?? i.address]));
}

/** The names for a coordinator listening on `host`, plus `extra` (names or addresses). */
export function certificateNames(host: string, extra: readonly string[], hostname = os.hostname()): CertificateNames {
  const wildcard = host === '0.0.0.0' || host === '::';
  const all = [host, ...(wildcard ? interfaceAddresses() : []), '127.0.0.1', '::1', 'localhost', hostname, ...extra];
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const name of all) {
    if (name === '' || name === '0.0.0.0' || name === '::') continue;
    if (isIP(name)) ips.add(name);
    else dns.add(name.toLowerCase());
  }
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

/** True when every name of `wanted` is among `have`. */
export function coversNames(have: CertificateNames, wanted: CertificateNames): boolean {
  return wanted.dns.every((n) => have.dns.includes(n)) && wanted.ips.every((n) => have.ips.includes(n));
}

/** The names a certificate's subjectAltName string (Node's X509Certificate form) lists. */
export function namesOf(subjectAltName: string | undefined): CertificateNames {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const part of (subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4).toLowerCase());
    else if (part.startsWith('IP Address:')) ips.push(normalizeIp(part.slice(11)));
  }
  return { dns, ips };
}

/** Node prints IPv6 SANs expanded and uppercase (0:0:0:0:0:0:0:1); compare them compressed. */
function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    // Not a parseable address: keep it as printed, it then simply matches nothing.
    return ip.toLowerCase();
  }
}
