/**
 * A pretend Linux host for the installer tests: a folder standing in for `/`
 * (DECKHAND_INSTALL_ROOT), a fake systemctl on PATH that records its calls, and a way to start
 * the installed agent exactly as its systemd unit says (systemd itself does not run here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Where the default paths land under the host's root. */
export const LAYOUT = {
  prefix: 'opt/deckhand-agent',
  config: 'etc/deckhand',
  state: 'var/lib/deckhand',
  logs: 'var/log/deckhand',
  unit: 'etc/systemd/system/deckhand-agent.service',
} as const;

/** What one installer run did. */
export interface InstallerRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const FAKE_SYSTEMCTL = `#!/bin/sh
# Records every call, one line each; answers --version like systemd 252 (no RestartSteps=).
if [ "$1" = --version ]; then echo 'systemd 252 (252.38-1~deb12u1)'; exit 0; fi
echo "$*" >> "$FAKE_SYSTEMCTL_LOG"
`;

/** A folder standing in for one host's `/`. */
export class FakeHost {
  readonly root: string;
  private readonly bin: string;
  private readonly callLog: string;

  constructor(readonly dir: string) {
    this.root = path.join(dir, 'root');
    this.bin = path.join(dir, 'bin');
    this.callLog = path.join(dir, 'systemctl.log');
    mkdirSync(this.root, { recursive: true });
    mkdirSync(this.bin, { recursive: true });
    writeFileSync(path.join(this.bin, 'systemctl'), FAKE_SYSTEMCTL);
    chmodSync(path.join(this.bin, 'systemctl'), 0o755);
    // The tests run as root, where sudo changes nothing; not every machine has it installed.
    writeFileSync(path.join(this.bin, 'sudo'), '#!/bin/sh\nexec "$@"\n');
    chmodSync(path.join(this.bin, 'sudo'), 0o755);
  }

  /** The absolute path of `rel` (one of {@link LAYOUT}'s) on this host. */
  path(rel: string): string {
    return path.join(this.root, rel);
  }

  /** The recorded systemctl calls, e.g. `enable deckhand-agent`. */
  systemctlCalls(): string[] {
    return existsSync(this.callLog) ? readFileSync(this.callLog, 'utf8').trim().split('\n').filter(Boolean) : [];
  }

  /**
   * A PATH with every command of this machine's PATH but Node.js and npm, as on a host where
   * nothing was installed: the installer must make do with the runtime its package carries.
   */
  pathWithoutNode(): string {
    const dir = path.join(this.dir, 'path-without-node');
    if (existsSync(dir)) return `${this.bin}:${dir}`;
    mkdirSync(dir);
    const skip = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack']);
    for (const from of (process.env['PATH'] ?? '').split(':').filter(Boolean)) {
      for (const name of existsSync(from) ? readdirSync(from) : []) {
        if (skip.has(name) || existsSync(path.join(dir, name))) continue;
        symlinkSync(path.join(from, name), path.join(dir, name));
      }
    }
    return `${this.bin}:${dir}`;
  }

  /** Runs `sh script args...` as the host's installer would be run (with `PATH` when given). */
  runInstaller(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<InstallerRun> {
    return this.run(['sh', script, ...args], env);
  }

  /** Runs a whole install line as an operator pastes it (`sudo` is this host's: it runs as is). */
  runLine(line: string, env: NodeJS.ProcessEnv = {}): Promise<InstallerRun> {
    return this.run(['sh', '-c', line], env);
  }

  private run(argv: string[], env: NodeJS.ProcessEnv): Promise<InstallerRun> {
    const proc = spawn(argv[0]!, argv.slice(1), {
      env: {
        ...process.env,
        PATH: `${this.bin}:${process.env['PATH'] ?? ''}`,
        ...env,
        DECKHAND_INSTALL_ROOT: this.root,
        DECKHAND_SYSTEMCTL: 'systemctl',
        FAKE_SYSTEMCTL_LOG: this.callLog,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  /** The installed unit's ExecStart, split into words (the unit quotes nothing). */
  execStart(): string[] {
    const unit = readFileSync(this.path(LAYOUT.unit), 'utf8');
    const line = unit.split('\n').find((l) => l.startsWith('ExecStart='));
    if (!line) throw new Error('the installed unit has no ExecStart');
    return line.slice('ExecStart='.length).trim().split(/\s+/);
  }

  /** Starts the installed agent as systemd would, plus `extraArgs`; its output goes to `log`. */
  startAgent(extraArgs: string[], log: string[]): ChildProcess {
    const [exe, ...args] = this.execStart();
    const proc = spawn(exe!, [...args, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DECKHAND_LOG_LEVEL: 'debug' } });
    proc.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
    proc.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    return proc;
  }
}
