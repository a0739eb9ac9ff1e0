/**
 * What `deckhand-agent run` runs with: its flags over agent.yml over the defaults, compiled
 * once in main. Flags win so that a one-off `run --log-level debug` needs no file edit.
 */
import { DEFAULT_LOG_ROTATION } from '../../../common/src/logger.ts';
import type { LogLevel, RunCommand } from './cli.ts';
import { ConfigFileError, type AgentFileConfig } from './file.ts';
import { parsePublicKey, type MinisignPublicKey } from '../../../common/src/minisign.ts';

/** The run command with every setting resolved. */
export interface RunSettings extends RunCommand {
  logLevel: LogLevel;
  /** The proxy for the coordinator connection and downloads (agent.yml `proxy`); the environment's HTTPS_PROXY otherwise. */
  proxy?: string;
  /** Hosts reached without the proxy (agent.yml `noProxy`, NO_PROXY's format). */
  noProxy?: string;
  /** Rotation of the agent's own log file. */
  log: { maxFileBytes: number; maxFiles: number };
  /** Operator keys revisions must be signed with (agent.yml `trustedKeys`); none: not required. */
  trustedKeys: MinisignPublicKey[];
  /** The TLS client certificate files (agent.yml `tlsClientCert`/`tlsClientKey`). */
  clientCertificate?: { certFile: string; keyFile: string };
  /** This host's nginx, which groups may drive through this agent (agent.yml `nginx`). */
  nginx?: { upstreamFiles: string[]; reload: string[]; pidFile?: string };
}

/** Merges `cmd` (flags) over `file` (agent.yml) over the defaults. */
export function compileRunSettings(cmd: RunCommand, file: AgentFileConfig): RunSettings {
  const settings: RunSettings = {
    ...cmd,
    logLevel: cmd.logLevel ?? file.logLevel ?? 'info',
    trustedKeys: (file.trustedKeys ?? []).map((line) => parsePublicKey(line)),
    log: {
      maxFileBytes: file.log?.maxFileMegabytes === undefined ? DEFAULT_LOG_ROTATION.maxFileBytes : Math.round(file.log.maxFileMegabytes * 1024 * 1024),
      maxFiles: file.log?.maxFiles ?? DEFAULT_LOG_ROTATION.maxFiles,
    },
  };
  const reboot = cmd.rebootCommand ?? file.rebootCommand;
  if (reboot !== undefined) settings.rebootCommand = reboot;
  const stallMs = cmd.downloadStallMs ?? (file.downloadStallSeconds === undefined ? undefined : file.downloadStallSeconds * 1000);
  if (stallMs !== undefined) settings.downloadStallMs = stallMs;
  if (file.proxy !== undefined) settings.proxy = file.proxy;
  if (file.noProxy !== undefined) settings.noProxy = file.noProxy;
  if (file.tlsClientCert !== undefined || file.tlsClientKey !== undefined) settings.clientCertificate = clientCertificateFiles(file);
  if (file.nginx !== undefined) {
    settings.nginx = { upstreamFiles: file.nginx.upstreamFiles, reload: file.nginx.reload ?? ['nginx', '-s', 'reload'], ...(file.nginx.pidFile === undefined ? {} : { pidFile: file.nginx.pidFile }) };
  }
  const octal = cmd.yamlOctalModes ?? file.yamlOctalModes;
  if (octal !== undefined) settings.yamlOctalModes = octal;
  return settings;
}

/** Both client-certificate files, or an error naming the missing one. */
export function clientCertificateFiles(file: AgentFileConfig): { certFile: string; keyFile: string } {
  if (file.tlsClientCert === undefined || file.tlsClientKey === undefined) {
    throw new ConfigFileError(`agent.yml sets ${file.tlsClientCert === undefined ? 'tlsClientKey' : 'tlsClientCert'} without ${file.tlsClientCert === undefined ? 'tlsClientCert' : 'tlsClientKey'}: give both`);
  }
  return { certFile: file.tlsClientCert, keyFile: file.tlsClientKey };
}
