/**
 * The normalized form of an appspec.yml for EC2/on-premises deployments. Parsing fills every
 * default, so consumers never look at raw YAML.
 */
import type { FileExistsBehavior } from '../../../protocol/src/schemas.ts';

export type AppSpecOs = 'linux' | 'windows';

/**
 * How an unquoted permissions mode with a leading zero is read. YAML 1.1 (CodeDeploy's Psych)
 * reads `mode: 0644` as the octal number 420, and CodeDeploy then applies the digits "420".
 * - `deckhand`: accept such a mode when that reading keeps the digits written (`0000`, `0007`),
 *   refuse the others (`0644`, `0755`) explaining the trap.
 * - `codedeploy`: CodeDeploy's reading exactly (`0644` is applied as 0420, `0755` refused).
 */
export type YamlOctalModes = 'deckhand' | 'codedeploy';

/** One script of a lifecycle event. */
export interface HookScript {
  /** Path relative to the revision root, as written in the appspec. */
  location: string;
  /** Seconds; CodeDeploy's default is 3600. */
  timeoutSeconds: number;
  /** Linux only: the user the script runs as. */
  runas?: string;
  /** Linux only: run through sudo (the Ruby agent's `sudo` key). */
  sudo?: boolean;
  /**
   * Deckhand extension (CodeDeploy ignores the key): when the agent restarted while this script
   * ran and its outcome cannot be known, run it again instead of failing the event.
   */
  retryOnRestart?: boolean;
}

/** One `files` entry: copy `source` (file or directory, relative to the revision) to `destination`. */
export interface FileMapping {
  source: string;
  destination: string;
}

/** One `permissions` entry (Linux only); kept close to the appspec's own keys. */
export interface PermissionSpec {
  object: string;
  pattern: string;
  except: string[];
  type: Array<'file' | 'directory'>;
  owner?: string;
  group?: string;
  /** Octal mode as a string of 3 or 4 digits, e.g. "0644". */
  mode?: string;
  acls?: string[];
  /** SELinux context; `range` is parsed, e.g. `s0-s3:c0.c5` → {low: 's0', high: 's3', categories: 'c0.c5'}. */
  context?: { user?: string; type: string; range?: { low: string; high?: string; categories?: string } };
}

export interface AppSpec {
  version: '0.0';
  os: AppSpecOs;
  files: FileMapping[];
  permissions: PermissionSpec[];
  /** Event name → scripts in order. Events absent from the appspec have no entry. */
  hooks: Record<string, HookScript[]>;
  /** Overrides the deployment's file_exists_behavior when present. */
  fileExistsBehavior?: FileExistsBehavior;
  /** The name of the file it was read from, once loaded from a revision (appspec/load.ts). */
  fileName?: string;
}

/** One reason an appspec was refused: the key path (e.g. `hooks.AfterInstall[0].timeout`), and the line when known. */
export interface AppSpecProblem {
  path: string;
  line?: number;
  message: string;
}
