/**
 * Whether and how the coordinator serves TLS, from its flags: the operator's certificate, an
 * automatic private CA, or plain HTTP. Plain HTTP off loopback needs `--insecure-http`: a
 * network attacker who answers for the coordinator could otherwise order every agent about and
 * read the admin token off the wire.
 */
import { isIP } from 'node:net';

/** The TLS flags of `deckhand-coordinator start`. */
export interface TlsFlags {
  host: string;
  tls?: 'auto';
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
}

/** What to serve. */
export type TlsMode = { kind: 'files'; cert: string; key: string } | { kind: 'auto' } | { kind: 'plain'; warn: boolean };

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Decides the mode; a contradiction (half a certificate, --insecure-http with a certificate) is a usage error message. */
export function tlsMode(flags: TlsFlags): TlsMode | string {
  const files = flags.tlsCert !== undefined || flags.tlsKey !== undefined;
  if (files && (flags.tlsCert === undefined || flags.tlsKey === undefined)) return '--tls-cert and --tls-key go together';
  if (files && (flags.insecureHttp || flags.tls !== undefined)) return '--tls-cert/--tls-key cannot be combined with --tls or --insecure-http';
  if (flags.insecureHttp && flags.tls === 'auto') return '--tls auto and --insecure-http contradict each other';
  if (files) return { kind: 'files', cert: flags.tlsCert!, key: flags.tlsKey! };
  if (flags.tls === 'auto') return { kind: 'auto' };
  if (flags.insecureHttp) return { kind: 'plain', warn: !isLoopback(flags.host) };
  return isLoopback(flags.host) ? { kind: 'plain', warn: false } : { kind: 'auto' };
}
