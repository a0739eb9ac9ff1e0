/**
 * A throwaway PostgreSQL server for the tests, the fault suite and the benchmarks: Debian's
 * binaries (/usr/lib/postgresql/<v>/bin), a fresh cluster in a folder under /tmp, a private port
 * on 127.0.0.1 and a socket folder of its own, settings that trade durability for speed (never
 * for production: fsync=off, synchronous_commit=off, full_page_writes=off), and a password on TCP
 * so the coordinator is tested with the URLs operators use.
 *
 * initdb refuses to run as root: as root the cluster belongs to the `postgres` system user (or
 * one created for it). The server runs under `setpriv --pdeathsig KILL`, so it dies with the
 * process that started it even when that one is killed with -9; stop() ends it and removes its
 * folder. Within mocha one server is shared by the whole run ({@link sharedPostgres}) and
 * stopped by the root hooks.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The folder of the newest installed PostgreSQL's binaries, if any. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v));
  } catch {
    // Not installed at all: the caller reports it as missing.
    return undefined;
  }
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'postgres'))) return bin;
  }
  return undefined;
}

/** Why PostgreSQL cannot be had here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  if (process.platform !== 'linux') return 'PostgreSQL (the tests start it on Linux only)';
  if (!postgresBinDir()) return 'PostgreSQL server (Debian package postgresql)';
  if (!hasSetpriv()) return 'setpriv (Debian package util-linux)';
  return undefined;
}

function hasSetpriv(): boolean {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    // Absent: postgresMissing() names the package.
    return false;
  }
}

/** The user the cluster runs as: ourselves, or (as root) postgres or a user made for it. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (name: string): { uid: number; gid: number } | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // No such user.
      return undefined;
    }
  };
  const existing = lookup('postgres') ?? lookup('deckhand-pg');
  if (existing) return existing;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'deckhand-pg'], { stdio: 'ignore' });
  return lookup('deckhand-pg');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Settings for a throwaway cluster: fast, small, loud only about problems. */
const SETTINGS: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '300',
  shared_buffers: '128MB',
  log_min_messages: 'warning',
  // A coordinator killed mid-transaction must not hold row locks for long.
  idle_in_transaction_session_timeout: '60s',
};

/** A running throwaway server. */
export class ThrowawayPostgres {
  private child: ChildProcess | undefined;
  private readonly onExit = (): void => this.killNow();
  private databases = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly user: string,
    readonly password: string,
    private readonly owner: { uid: number; gid: number } | undefined,
    private readonly settings: Readonly<Record<string, string>>,
  ) {}

  /**
   * Creates a cluster in a fresh folder and starts it; throws when PostgreSQL is missing.
   * `settings` override the test defaults (the benchmarks turn fsync back on).
   */
  static async start(settings: Readonly<Record<string, string>> = {}): Promise<ThrowawayPostgres> {
    const missing = postgresMissing();
    if (missing) throw new Error(`${missing} is missing`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deckhand-pg-'));
    const owner = serverUser();
    const password = randomBytes(12).toString('hex');
    const server = new ThrowawayPostgres(dir, await freePort(), 'deckhand', password, owner, { ...SETTINGS, ...settings });
    try {
      server.initdb();
      await server.launch();
    } catch (err) {
      server.killNow();
      throw err;
    }
    return server;
  }

  /** The URL of `database` on this server, with its password. */
  url(database = 'postgres'): string {
    return `postgres://${this.user}:${this.password}@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates an empty database (or a copy of `template`) and returns its name. */
  async createDatabase(template = 'template0'): Promise<string> {
    const name = `dh_${process.pid}_${++this.databases}`;
    await this.admin(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    return name;
  }

  /** Writes `database` to `file` in pg_dump's custom format: one consistent snapshot, taken while others write. */
  dump(database: string, file: string): void {
    execFileSync(path.join(postgresBinDir()!, 'pg_dump'), ['-Fc', '-f', file, ...this.clientArgs(database)], { env: this.clientEnv(), stdio: 'pipe' });
  }

  /** Puts `file` (a dump()) back as `database`: dropped with its connections closed, created empty, restored. */
  async restore(database: string, file: string): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await this.admin(`CREATE DATABASE ${database} TEMPLATE template0`);
    execFileSync(path.join(postgresBinDir()!, 'pg_restore'), ['--exit-on-error', ...this.clientArgs(database), file], { env: this.clientEnv(), stdio: 'pipe' });
  }

  private clientArgs(database: string): string[] {
    return ['-h', '127.0.0.1', '-p', String(this.port), '-U', this.user, '-d', database];
  }

  private clientEnv(): NodeJS.ProcessEnv {
    return { ...process.env, PGPASSWORD: this.password };
  }

  /** Runs one statement as the superuser on the `postgres` database. */
  async admin(sql: string): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** Stops the server (immediate shutdown) and removes its folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT');
      await exited;
    }
    this.child = undefined;
    process.removeListener('exit', this.onExit);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills the server at once (SIGKILL), keeping its data: for PostgreSQL failure tests. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** Starts the server again on the same port and data after {@link crash}. */
  async restart(): Promise<void> {
    // A killed postmaster leaves its pid file; the new one checks that no process holds it.
    fs.rmSync(path.join(this.dir, 'data', 'postmaster.pid'), { force: true });
    await this.launch();
  }

  private asOwner(cmd: string, args: readonly string[], pdeath: boolean): [string, string[]] {
    const who = this.owner ? [`--reuid=${this.owner.uid}`, `--regid=${this.owner.gid}`, '--clear-groups'] : [];
    return ['setpriv', [...who, ...(pdeath ? ['--pdeathsig', 'KILL'] : []), '--', cmd, ...args]];
  }

  private initdb(): void {
    const bin = postgresBinDir()!;
    const pwfile = path.join(this.dir, 'pwfile');
    fs.writeFileSync(pwfile, `${this.password}\n`, { mode: 0o600 });
    if (this.owner) fs.chownSync(this.dir, this.owner.uid, this.owner.gid);
    if (this.owner) fs.chownSync(pwfile, this.owner.uid, this.owner.gid);
    const args = ['-D', path.join(this.dir, 'data'), '-U', this.user, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'];
    const [cmd, full] = this.asOwner(path.join(bin, 'initdb'), args, false);
    execFileSync(cmd, full, { stdio: ['ignore', 'ignore', 'pipe'], cwd: this.dir });
    fs.rmSync(pwfile);
  }

  private async launch(): Promise<void> {
    const bin = postgresBinDir()!;
    const settings = { ...this.settings, port: String(this.port), listen_addresses: '127.0.0.1', unix_socket_directories: this.dir };
    const args = ['-D', path.join(this.dir, 'data'), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const [cmd, full] = this.asOwner(path.join(bin, 'postgres'), args, true);
    const log = fs.openSync(path.join(this.dir, 'server.log'), 'a');
    this.child = spawn(cmd, full, { stdio: ['ignore', log, log], cwd: this.dir });
    fs.closeSync(log);
    process.on('exit', this.onExit);
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!this.child || this.child.exitCode !== null) throw new Error(`PostgreSQL did not start: ${this.logTail()}`);
      try {
        await this.admin('SELECT 1');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 30 s: ${this.logTail()}`, { cause: err });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private logTail(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').split('\n').slice(-5).join(' | ');
    } catch {
      // No log yet: the server did not get that far.
      return '(no server log)';
    }
  }

  private killNow(): void {
    try {
      this.child?.kill('SIGKILL');
    } catch {
      // Already gone.
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

let shared: Promise<ThrowawayPostgres> | undefined;

/** The run's one server, started on first use; {@link stopSharedPostgres} ends it. */
export function sharedPostgres(): Promise<ThrowawayPostgres> {
  shared ??= ThrowawayPostgres.start();
  return shared;
}

/** Stops the shared server if it was started (mocha's root afterAll). */
export async function stopSharedPostgres(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (!running) return;
  const server = await running.catch(() => undefined);
  await server?.stop();
}
