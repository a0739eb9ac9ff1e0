/** A fake Spawner for platform strategies that cannot run here (Windows): records calls, exits on demand. */
import { writeSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import type { ExitInfo, SpawnHandle, SpawnOptions, Spawner } from '../../../../agent/src/hooks/spawner.ts';

/** One recorded spawn, with controls to make it print and exit. */
export interface FakeProcess {
  cmd: string;
  args: readonly string[];
  opts: SpawnOptions;
  handle: SpawnHandle;
  /** The writable side of the process's stdout (its output file when the spawn gave one). */
  stdout: Writable;
  exit(info: ExitInfo): void;
}

/** Records spawns; `onSpawn` may script each process's behaviour. */
export class FakeSpawner implements Spawner {
  readonly spawned: FakeProcess[] = [];
  private nextPid = 1000;

  constructor(private readonly onSpawn: (proc: FakeProcess, all: FakeProcess[]) => void = () => undefined) {}

  spawn(cmd: string, args: readonly string[], opts: SpawnOptions): SpawnHandle {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    // Writes made while spawn() runs reach the output file before the runner closes its descriptor.
    const fd = opts.outputFds?.stdout;
    const out = fd === undefined ? stdout : new Writable({ write: (chunk: Buffer, _enc, cb) => cb(void writeSync(fd, chunk)) });
    let resolve!: (info: ExitInfo) => void;
    const exited = new Promise<ExitInfo>((r) => {
      resolve = r;
    });
    const handle: SpawnHandle = { pid: this.nextPid++, stdout, stderr, exited };
    const proc: FakeProcess = {
      cmd,
      args,
      opts,
      handle,
      stdout: out,
      exit: (info) => {
        out.end();
        stdout.end();
        stderr.end();
        resolve(info);
      },
    };
    this.spawned.push(proc);
    this.onSpawn(proc, this.spawned);
    return handle;
  }
}
