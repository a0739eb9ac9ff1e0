/**
 * Open-source nginx as a traffic provider: a server is taken out of an upstream by adding the
 * `down` parameter to its `server` line in the upstream file, and put back by removing it; a
 * graceful reload (`nginx -s reload`) applies the file. After a reload nginx's old workers
 * finish the requests they hold and exit; taking a server out waits for them (through the
 * master's pid file), so the server gets no request once BlockTraffic is done.
 *
 * Shared by the coordinator (nginx beside it) and the agent (nginx on a host named by the
 * group). Does not log: returns or throws {@link NginxUpstreamError}.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Why an nginx step failed: nginx cannot be driven (`balancer`), or the server is not in the file (`server`). */
export class NginxUpstreamError extends Error {
  constructor(
    readonly kind: 'balancer' | 'server',
    message: string,
  ) {
    super(message);
    this.name = 'NginxUpstreamError';
  }
}

/** A `server ADDRESS [params];` line: indent, address, parameters, and what follows the `;`. */
const SERVER_LINE = /^(\s*)server\s+(\S+?)((?:\s+[^;#\s]+)*)\s*;(.*)$/;

/**
 * The upstream file with every `server ADDRESS` line marked down (or not). `found` is false
 * when no line names the address; `changed` when the text differs.
 */
export function markServer(text: string, address: string, down: boolean): { text: string; found: boolean; changed: boolean } {
  let found = false;
  const lines = text.split('\n').map((line) => {
    const m = SERVER_LINE.exec(line);
    if (!m || m[2] !== address) return line;
    found = true;
    const params = (m[3] ?? '').trim().split(/\s+/).filter((p) => p !== '' && p !== 'down');
    if (down) params.push('down');
    return `${m[1] ?? ''}server ${address}${params.map((p) => ` ${p}`).join('')};${m[4] ?? ''}`;
  });
  const out = lines.join('\n');
  return { text: out, found, changed: out !== text };
}

/** Whether each server address of the file is marked down (for status). */
export function serversOf(text: string): Map<string, { down: boolean }> {
  const out = new Map<string, { down: boolean }>();
  for (const line of text.split('\n')) {
    const m = SERVER_LINE.exec(line);
    if (m?.[2] !== undefined) out.set(m[2], { down: (m[3] ?? '').split(/\s+/).includes('down') });
  }
  return out;
}

/** One nginx step: which file, which server, in or out, how to reload. */
export interface NginxChange {
  upstreamFile: string;
  server: string;
  down: boolean;
  /** The reload command, as argv (e.g. `nginx -s reload`). */
  reload: readonly string[];
  /** nginx's pid file: taking a server out waits for the old workers to exit. */
  pidFile?: string | undefined;
  /** Longest wait for the old workers, in ms. */
  drainTimeoutMs: number;
  signal?: AbortSignal;
}

/** How a change went: whether the file changed, and a note when the drain timed out. */
export interface NginxChangeResult {
  changed: boolean;
  note?: string;
}

/** Without a pid file, how long a server taken out waits after the reload for nginx to switch workers. */
const SETTLE_WITHOUT_PID_MS = 1000;

/**
 * Rewrites the upstream file (atomically: a sibling file renamed over it, with its mode) and
 * reloads nginx. Taking a server out then waits until nginx's workers of before the reload have
 * exited, at most `drainTimeoutMs`.
 */
export async function applyNginxChange(change: NginxChange): Promise<NginxChangeResult> {
  const text = await readUpstream(change.upstreamFile);
  const marked = markServer(text, change.server, change.down);
  if (!marked.found) throw new NginxUpstreamError('server', `nginx upstream file ${change.upstreamFile} has no "server ${change.server}" line`);
  if (marked.changed) await writeAtomically(change.upstreamFile, marked.text);
  const master = change.pidFile === undefined ? undefined : await readPid(change.pidFile);
  const before = master === undefined ? [] : await childrenOf(master);
  await runReload(change.reload, change.signal);
  if (!change.down) return { changed: marked.changed };
  if (master === undefined) {
    await delay(Math.min(SETTLE_WITHOUT_PID_MS, change.drainTimeoutMs), change.signal);
    return { changed: marked.changed };
  }
  const left = await waitForExit(before, change.drainTimeoutMs, change.signal);
  if (left === 0) return { changed: marked.changed };
  return { changed: marked.changed, note: `${left} old nginx worker(s) still busy after the ${Math.round(change.drainTimeoutMs / 1000)} s drain timeout; going on` };
}

/**
 * Changes upstream files one at a time per file. Two changes at once would each read the file
 * before the other wrote it, and the later write would undo the earlier (a blue/green switch
 * takes several servers of one file in or out together); they would also share the sibling
 * file the write goes through. One per process that changes upstream files.
 */
export class NginxUpstreams {
  /** The last change queued per file (settled either way), which the next one waits for. */
  private readonly tails = new Map<string, Promise<unknown>>();

  /** {@link applyNginxChange}, after every change of the same file queued before it. */
  apply(change: NginxChange): Promise<NginxChangeResult> {
    const key = path.resolve(change.upstreamFile);
    const run = (this.tails.get(key) ?? Promise.resolve()).then(() => applyNginxChange(change));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}

async function readUpstream(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new NginxUpstreamError('balancer', `cannot read nginx upstream file ${file}: ${code}`);
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.deckhand-${process.pid}`);
  try {
    const mode = (await fs.stat(file)).mode & 0o7777;
    await fs.writeFile(tmp, text, { mode });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new NginxUpstreamError('balancer', `cannot write nginx upstream file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function readPid(file: string): Promise<number> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new NginxUpstreamError('balancer', `cannot read nginx pid file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1) throw new NginxUpstreamError('balancer', `nginx pid file ${file} holds no process id`);
  return pid;
}

/** The pids whose parent is `pid` (Linux /proc); empty where /proc is not there. */
async function childrenOf(pid: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    // No procfs (not Linux): the drain wait then relies on the settle time alone.
    return [];
  }
  const out: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // The command name is in parentheses and may hold spaces: fields after ") " are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(name));
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user (nginx workers run as www-data).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pids: readonly number[], timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(alive).length;
    if (left === 0 || performance.now() >= deadline) return left;
    await delay(100, signal);
  }
}

function runReload(argv: readonly string[], signal?: AbortSignal): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new NginxUpstreamError('balancer', 'the nginx reload command is empty'));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(signal ? { signal } : {}), timeout: 30_000 });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => reject(new NginxUpstreamError('balancer', `cannot run the nginx reload command ${argv.join(' ')}: ${err.code ?? err.message}`)));
    child.on('close', (code, sig) => {
      if (code === 0) return resolve();
      const why = stderr.trim().split('\n').pop() ?? '';
      reject(new NginxUpstreamError('balancer', `nginx reload (${argv.join(' ')}) failed with ${code === null ? `signal ${String(sig)}` : `exit code ${code}`}${why ? `: ${why.slice(0, 300)}` : ''}`));
    });
  });
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
