/**
 * What the coordinator's server serves, from its TLS configuration: the HTTPS options (the
 * operator's certificate, or the automatic CA's), the CA fingerprint agents pin, and how to
 * reload the certificate on SIGHUP without dropping a connection.
 */
import fs from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import { displayFingerprint } from '../../../common/src/tls-trust.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { DeckhandError } from '../../../protocol/src/index.ts';
import { ensureAutoTls } from './auto.ts';
import { loadTlsFiles } from './files.ts';
import { tlsMode, type TlsMode } from './mode.ts';
import { certificateNames } from './names.ts';

/** The part of the coordinator's configuration TLS reads (config/args.ts fills it). */
export interface TlsSettings {
  readonly dataDir: string;
  readonly host: string;
  /** How to serve TLS (absent: the default for the listen address, mode.ts). */
  readonly tls?: TlsMode;
  /** Extra names of the automatic certificate (--tls-san). */
  readonly tlsSans?: readonly string[];
  /** --client-ca: agents must present a client certificate signed by this CA. */
  readonly clientCa?: string;
}

/** The TLS side of a coordinator about to listen. */
export interface TlsServing {
  /** HTTPS options for the server; undefined: plain HTTP. */
  https?: ServerOptions;
  /** The automatic CA's fingerprint (lowercase hex), for the start line and coordinator.json. */
  caSha256?: string;
  /** The automatic CA's certificate (PEM), served at /v1/tls/ca.pem. */
  caPem?: string;
  /** Reads the certificate again, for `server.setSecureContext` on SIGHUP; undefined when nothing can change. */
  reload?: () => Promise<SecureContextOptions>;
}

/** The mode for `config`: what the flags said, else the default for the listen address. */
export function modeOf(config: TlsSettings): TlsMode {
  const mode = config.tls ?? tlsMode({ host: config.host });
  if (typeof mode === 'string') throw new DeckhandError('VALIDATION_FAILED', mode);
  return mode;
}

/** Reads `--client-ca`, naming the file when it cannot be read. */
function clientCa(file: string | undefined): ServerOptions {
  if (file === undefined) return {};
  let ca: string;
  try {
    ca = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DeckhandError('VALIDATION_FAILED', `--client-ca ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  // requestCert without rejectUnauthorized: only agents must present a certificate (the hub and
  // the agent routes check socket.authorized); the CLI and a browser need none.
  return { ca, requestCert: true, rejectUnauthorized: false };
}

/** Prepares TLS for `config`, logging what is served; throws DeckhandError naming a bad file. */
export async function prepareTls(config: TlsSettings, log: Logger): Promise<TlsServing> {
  const mode = modeOf(config);
  if (mode.kind === 'plain') {
    if (mode.warn) log.warn('serving plain HTTP off loopback: agents, tokens and commands cross the network unencrypted and unauthenticated (--insecure-http)', { host: config.host });
    else log.info('serving plain HTTP on loopback', { host: config.host });
    return {};
  }
  if (mode.kind === 'files') {
    const material = loadTlsFiles(mode.cert, mode.key);
    log.info('serving TLS with the operator certificate', { cert: mode.cert, validTo: material.validTo.toISOString() });
    const reload = async (): Promise<SecureContextOptions> => {
      const next = loadTlsFiles(mode.cert, mode.key);
      return { cert: next.certChainPem, key: next.keyPem };
    };
    return { https: { cert: material.certChainPem, key: material.keyPem, ...clientCa(config.clientCa) }, reload };
  }
  const names = certificateNames(config.host, config.tlsSans ?? []);
  const auto = await ensureAutoTls(config.dataDir, names);
  log.info('serving TLS with the automatic CA', { caSha256: auto.caSha256, names: [...names.dns, ...names.ips] });
  return { https: { cert: auto.certChainPem, key: auto.keyPem, ...clientCa(config.clientCa) }, caSha256: auto.caSha256, caPem: auto.caPem };
}

/** The start line that tells operators what agents pin. */
export function fingerprintLine(caSha256: string): string {
  return `CA fingerprint (agents pin it: --ca-sha256 ${caSha256}): ${displayFingerprint(caSha256)}`;
}
