/** A fake Spawner for platform strategies that cannot run here (Windows): records calls, exits on demand. */
import { PassThrough } from 'node:stream';
import type { ExitInfo, SpawnHandle, SpawnOptions, Spawner } from '../../../../agent/src/hooks/spawner.ts';

/** One recorded spawn, with controls to make it print and exit. */
export interface FakeProcess {
  cmd: string;
  args: readonly string[];
  opts: SpawnOptions;
  handle: SpawnHandle;
  /** The writable side of the process's stdout. */
  stdout: PassThrough;
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
      stdout,
      exit: (info) => {
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
