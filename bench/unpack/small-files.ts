/**
 * A revision of many small files, unpacked and installed: Deckhand's DownloadBundle unpacking
 * (extractBundle) and Install (installRevision, first install into an empty destination) against
 * GNU `tar -xzf` followed by `cp -a`, the same work done by the tools, alternating in one run.
 * codedeploy-local 1.8.1 took 2.4 s for 2,000 such files (issue 16); the figure is the ratio of
 * the medians, target ≤ 1.5.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadAppSpec } from '../../agent/src/appspec/load.ts';
import { extractBundle } from '../../agent/src/bundle/extract.ts';
import { installRevision } from '../../agent/src/install/install.ts';
import { figure, type Figures } from '../lib/figures.ts';
import { median, timeMs } from '../lib/stats.ts';

const execFileP = promisify(execFile);
const APPSPEC = 'version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /srv/app\n';

/** Options of {@link runSmallFilesBench}. */
export interface SmallFilesBenchOptions {
  files: number;
  runs: number;
  log(line: string): void;
}

/** `files` files of 100 B to 4 KB of text in 40 folders under site/, and the appspec. */
function generate(dir: string, files: number): void {
  writeFileSync(path.join(dir, 'appspec.yml'), APPSPEC);
  for (let i = 0; i < files; i++) {
    const folder = path.join(dir, 'site', `d${String(i % 40).padStart(2, '0')}`);
    if (i < 40) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `f${i}.txt`), `line ${i} of a small file\n`.repeat(4 + ((i * 37) % 150)));
  }
}

/** Deckhand: unpack into the archive directory, then install its site/ under a fresh destination root. */
async function deckhand(tgz: string, dir: string): Promise<void> {
  const archiveDir = path.join(dir, 'deployment-archive');
  await extractBundle({ file: tgz, type: 'tgz', dest: archiveDir });
  const spec = await loadAppSpec(archiveDir, 'linux');
  await installRevision({ archiveDir, spec, fileExistsBehavior: 'DISALLOW', instructionsDir: path.join(dir, 'instructions'), deploymentGroupId: 'bench', destRoot: path.join(dir, 'dest') });
}

/** The yardstick: the same unpacking and copy by GNU tar and cp. */
async function tools(tgz: string, dir: string): Promise<void> {
  mkdirSync(path.join(dir, 'archive'), { recursive: true });
  await execFileP('tar', ['-xzf', tgz, '-C', path.join(dir, 'archive')]);
  mkdirSync(path.join(dir, 'dest', 'srv'), { recursive: true });
  await execFileP('cp', ['-a', path.join(dir, 'archive', 'site'), path.join(dir, 'dest', 'srv', 'app')]);
}

/** Times one run of `fn` in a fresh directory; the removal and a sync happen outside the timing. */
async function once(base: string, name: string, fn: (dir: string) => Promise<void>): Promise<number> {
  const dir = path.join(base, name);
  mkdirSync(dir);
  // Dirty pages of the previous run would otherwise be written back during this one.
  execFileSync('sync');
  const ms = await timeMs(() => fn(dir));
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** Generates the bundle and measures both sides; figures go into `out`. */
export async function runSmallFilesBench(opts: SmallFilesBenchOptions, out: Figures): Promise<void> {
  const base = mkdtempSync(path.join(tmpdir(), 'dh-bench-small-'));
  try {
    const src = path.join(base, 'src');
    mkdirSync(src);
    generate(src, opts.files);
    const tgz = path.join(base, 'bundle.tgz');
    await execFileP('tar', ['-czf', tgz, '-C', src, '.']);
    rmSync(src, { recursive: true, force: true });
    opts.log(`small files: ${opts.files} files, unpack + install vs tar -xzf + cp -a, ${opts.runs} runs each`);
    // One untimed run of each: the first loads modules and warms the JIT and the page cache.
    await once(base, 'warm-ours', (dir) => deckhand(tgz, dir));
    await once(base, 'warm-theirs', (dir) => tools(tgz, dir));
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      ours.push(await once(base, `ours-${i}`, (dir) => deckhand(tgz, dir)));
      theirs.push(await once(base, `theirs-${i}`, (dir) => tools(tgz, dir)));
    }
    const [o, t] = [median(ours), median(theirs)];
    out['small_files_deckhand_ms'] = figure(o, 'ms', `extractBundle + installRevision of a tgz of ${opts.files} small files (codedeploy-local 1.8.1: 2,400 ms)`);
    out['small_files_tar_cp_ms'] = figure(t, 'ms', 'tar -xzf + cp -a of the same bundle, same run');
    out['small_files_vs_tar_cp_ratio'] = figure(o / t, '×');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
