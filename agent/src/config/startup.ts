/**
 * The agent's settings as a command starts: agent.yml from its place (or --config), the flags
 * over it, the TLS client certificate read from its files, and what of it is logged. Every
 * problem is a ConfigFileError naming the file; main turns it into exit code 2 before anything
 * has started.
 */
import { redactUrl } from '../../../common/src/redact-url.ts';
import fs from 'node:fs';
import path from 'node:path';
import { applyProxySettings } from '../../../common/src/proxy.ts';
import type { ClientCertificate } from '../transport/coordinator-http.ts';
import type { RunCommand } from './cli.ts';
import { ConfigFileError, loadAgentConfig, type AgentFileConfig } from './file.ts';
import { clientCertificateFiles, compileRunSettings, type RunSettings } from './run-settings.ts';

/** Where agent.yml is looked for when --config names no file. */
export const DEFAULT_CONFIG_FILE =
  process.platform === 'win32'
    ? path.win32.join(process.env['ProgramData'] ?? 'C:\\ProgramData', 'Deckhand', 'agent.yml')
    : '/etc/deckhand/agent.yml';

/** agent.yml: the named file (which must exist), or the default one when it exists. */
export function loadSettingsFile(configFile: string | undefined): AgentFileConfig {
  return loadAgentConfig(configFile ?? DEFAULT_CONFIG_FILE, configFile !== undefined);
}

function readPem(file: string, key: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`agent.yml ${key} ${file} cannot be read: ${(err as Error).message}`);
  }
}

/** The client certificate agent.yml names, read; undefined when it names none. */
export function readClientCertificate(file: AgentFileConfig): ClientCertificate | undefined {
  if (file.tlsClientCert === undefined && file.tlsClientKey === undefined) return undefined;
  const { certFile, keyFile } = clientCertificateFiles(file);
  return { cert: readPem(certFile, 'tlsClientCert'), key: readPem(keyFile, 'tlsClientKey') };
}

/** What `run` runs with, plus the client certificate; the proxy settings applied to the environment. */
export function runStartup(cmd: RunCommand): { settings: RunSettings; clientCertificate?: ClientCertificate } {
  const file = loadSettingsFile(cmd.configFile);
  const settings = compileRunSettings(cmd, file);
  applyProxySettings(process.env, settings.proxy, settings.noProxy);
  const clientCertificate = readClientCertificate(file);
  return { settings, ...(clientCertificate ? { clientCertificate } : {}) };
}

/** The compiled settings as logged once at start (no credential of a proxy URL). */
export function settingsForLog(s: RunSettings): Record<string, unknown> {
  return {
    logLevel: s.logLevel,
    rebootCommand: s.rebootCommand,
    downloadStallMs: s.downloadStallMs,
    proxy: s.proxy === undefined ? undefined : redactUrl(s.proxy),
    noProxy: s.noProxy,
    log: s.log,
    trustedKeys: s.trustedKeys.map((k) => k.keyId),
    clientCertificate: s.clientCertificate?.certFile,
  };
}
