/**
 * Trusting a coordinator by its CA: the SHA-256 fingerprint an operator pins (`--ca-sha256`),
 * checked against the certificate chain the coordinator presents, and the CA certificate that
 * is then the only one trusted for it. Shared by the agent (registration, every connection and
 * download) and the CLI (`--ca-sha256`).
 *
 * The pin is checked once, on a handshake that only reads the chain; every real connection then
 * verifies normally (signature chain, host name, validity dates) against that one CA, so a pin
 * never weakens the usual TLS checks.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Agent } from 'node:http';
import https from 'node:https';
import type { TLSSocket, PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import { proxyAgentFor } from './proxy.ts';

/** A CA the operator pinned, as kept after registration. */
export interface PinnedCa {
  /** Lowercase hex SHA-256 of the CA certificate's DER bytes. */
  sha256: string;
  /** The CA certificate, PEM. */
  pem: string;
}

/** The coordinator presented no certificate with the pinned fingerprint, or the pin is malformed. */
export class TrustError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustError';
  }
}

/** `AB:CD:...` or `abcd...` (any case) as 64 lowercase hex digits; throws TrustError otherwise. */
export function normalizeFingerprint(value: string): string {
  const hex = value.trim().replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TrustError(`a CA fingerprint is 64 hex digits (SHA-256, colons allowed), got "${value}"`);
  return hex;
}

/** The SHA-256 fingerprint of a certificate (PEM text or DER bytes), lowercase hex. */
export function certificateSha256(cert: string | Buffer): string {
  const der = typeof cert === 'string' ? new X509Certificate(cert).raw : cert;
  return createHash('sha256').update(der).digest('hex');
}

/** Fingerprints grouped in fours, for messages a person compares by eye. */
export function displayFingerprint(hex: string): string {
  return hex.match(/.{1,4}/g)?.join(' ') ?? hex;
}

/** Reads a PEM file's first certificate as a PinnedCa; throws TrustError naming what is wrong. */
export function pinnedCaFromPem(pem: string, source: string): PinnedCa {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!first) throw new TrustError(`${source} holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(first);
  } catch (err) {
    throw new TrustError(`${source} holds a certificate that cannot be read (${(err as Error).message}); is it cut short?`);
  }
  return { sha256: certificateSha256(cert.raw), pem: cert.toString() };
}

/** The chain a TLS peer presented, leaf first, each certificate once. */
function chainOf(socket: TLSSocket): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true) as DetailedPeerCertificate;
  while (cert && cert.raw && !chain.some((c) => c.raw.equals(cert!.raw))) {
    chain.push(cert);
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** Options of {@link presentedChain}. */
export interface ProbeOptions {
  /** The connection agent. @default the environment's proxy for the URL, if any */
  agent?: Agent | undefined;
  /** @default 10 s */
  timeoutMs?: number;
}

/**
 * The certificates (DER) `url`'s server presents, read on a handshake that verifies nothing and
 * sends no credential: only `HEAD /healthz`.
 */
export function presentedChain(url: string, opts: ProbeOptions = {}): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const target = new URL('/healthz', url);
    // Verification is off on purpose: this handshake only reads the chain to compare it with the
    // pin; nothing is sent but a HEAD, and every real request verifies against the pinned CA.
    const agent = opts.agent ?? proxyAgentFor(target.href);
    const req = https.request(target, { method: 'HEAD', rejectUnauthorized: false, timeout: opts.timeoutMs ?? 10_000, ...(agent ? { agent } : {}) });
    req.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        resolve(chainOf(socket as TLSSocket).map((c) => c.raw));
        req.destroy();
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no TLS handshake with ${target.host} within ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', (err) => reject(err));
    req.end();
  });
}

/**
 * The pinned CA among the certificates `url` presents. Throws TrustError naming the pin and what
 * was presented when none matches (another coordinator, a proxy, a re-keyed CA).
 */
export async function resolvePinnedCa(url: string, pin: string, opts: ProbeOptions = {}): Promise<PinnedCa> {
  const wanted = normalizeFingerprint(pin);
  if (new URL(url).protocol !== 'https:') throw new TrustError(`a CA fingerprint was given, so the coordinator URL must be https://, got ${url}`);
  const chain = await presentedChain(url, opts);
  const match = chain.find((der) => certificateSha256(der) === wanted);
  if (match) return { sha256: wanted, pem: new X509Certificate(match).toString() };
  const seen = chain.map((der) => certificateSha256(der));
  throw new TrustError(
    `the coordinator at ${new URL(url).host} presented no certificate with the pinned CA fingerprint ${displayFingerprint(wanted)}; ` +
      `it presented ${seen.length === 0 ? 'none' : seen.map(displayFingerprint).join(', ')} (another server, a proxy, or a new CA: check the fingerprint with deckhand-coordinator tls fingerprint)`,
  );
}

/**
 * Says why a verified connection to a pinned coordinator failed, naming both fingerprints when
 * the coordinator no longer presents the pinned CA. Best effort: a failing probe returns the
 * original message.
 */
export async function explainTrustFailure(url: string, pinned: PinnedCa, err: Error, opts: ProbeOptions = {}): Promise<string> {
  try {
    await resolvePinnedCa(url, pinned.sha256, opts);
    return `${err.message} (the coordinator still presents the pinned CA ${displayFingerprint(pinned.sha256)}: check its certificate's names and dates)`;
  } catch (probe) {
    return probe instanceof TrustError ? probe.message : err.message;
  }
}
