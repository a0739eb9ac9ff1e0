/** Shared setup for the hook runner tests: temp deployment dirs, scripts, and a pid-recording spawner. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeSpawner } from '../../../../agent/src/hooks/spawner.ts';
import type { Spawner } from '../../../../agent/src/hooks/spawner.ts';
import type { HookEventRequest } from '../../../../agent/src/hooks/types.ts';
import type { HookScript } from '../../../../agent/src/appspec/types.ts';

/** test/fixtures/hooks, where the Node hook fixtures live. */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/hooks');

/** A deployment directory in a fresh temp dir: archive/, logs/scripts.log, status/. */
export class TempDeployment {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
  readonly archiveDir = path.join(this.root, 'deployment-archive');
  readonly logFile = path.join(this.root, 'logs', 'scripts.log');
  readonly statusDir = path.join(this.root, 'status');

  constructor() {
    fs.mkdirSync(this.archiveDir);
  }

  /** Writes a script under the archive; executable unless `mode` says otherwise. */
  script(location: string, body: string, mode = 0o755): string {
    const file = path.join(this.archiveDir, location);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body, { mode });
    fs.chmodSync(file, mode);
    return file;
  }

  /** A request for `scripts` with PATH-only env by default. */
  request(scripts: HookScript[], extra: Partial<HookEventRequest> = {}): HookEventRequest {
    return {
      event: 'AfterInstall',
      archiveDir: this.archiveDir,
      scripts,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      logFile: this.logFile,
      statusDir: this.statusDir,
      ...extra,
    };
  }

  log(): string {
    return fs.readFileSync(this.logFile, 'utf8');
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The real spawner, remembering every pid it started. */
export function recordingSpawner(): { spawner: Spawner; pids: number[] } {
  const pids: number[] = [];
  return {
    pids,
    spawner: {
      spawn(cmd, args, opts) {
        const handle = nodeSpawner.spawn(cmd, args, opts);
        if (handle.pid !== undefined) pids.push(handle.pid);
        return handle;
      },
    },
  };
}

/** Pids of live (non-zombie) processes whose process group is `pgid`, from /proc. */
export function processesInGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process exited while we were scanning
    }
    // Fields after the parenthesised command name: state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) found.push(Number(entry));
  }
  return found;
}

/** True when `pid` exists (signal 0 succeeds). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Members of group `pgid` still alive after up to `ms`: SIGKILL is asynchronous, so a process
 * may show in /proc for a moment after the kill was sent even though it is dying.
 */
export async function groupAfter(pgid: number, ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  let left = processesInGroup(pgid);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = processesInGroup(pgid);
  }
  return left;
}

/** True when `pid` exists and is not a zombie (a killed orphan may wait a moment to be reaped). */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILLs every pid in `pids` (emptying it); a process already gone is fine. For afterEach. */
export function killLeftovers(pids: number[]): void {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, which is fine for cleanup
    }
  }
}
