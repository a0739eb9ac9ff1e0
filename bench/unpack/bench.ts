/**
 * Unpack throughput: Deckhand's extractBundle against GNU `tar -xzf` on the same tgz, and against
 * `unzip` on the same zip, alternating in one run; the figure is the ratio of the medians.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { extractBundle } from '../../agent/src/bundle/extract.ts';
import { figure, notMeasured, type Figures } from '../lib/figures.ts';
import { median, timeMs } from '../lib/stats.ts';
import { generateTree, packTgz, packZip, type TreeOptions } from './generate.ts';

const execFileP = promisify(execFile);

/** Options of {@link runUnpackBench}. */
export interface UnpackBenchOptions extends TreeOptions {
  runs: number;
  log(line: string): void;
}

async function hasTool(name: string): Promise<boolean> {
  return execFileP('sh', ['-c', `command -v ${name}`]).then(() => true, () => false);
}

/** Times `ours` and `theirs` alternately, each into a fresh directory; returns both medians in ms. */
async function sideBySide(
  dir: string,
  runs: number,
  ours: (dest: string) => Promise<unknown>,
  theirs: (dest: string) => Promise<unknown>,
): Promise<{ oursMs: number; theirsMs: number }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    const destA = path.join(dir, `ours-${i}`);
    a.push(await timeMs(() => ours(destA)));
    rmSync(destA, { recursive: true, force: true });
    const destB = path.join(dir, `theirs-${i}`);
    mkdirSync(destB);
    b.push(await timeMs(() => theirs(destB)));
    rmSync(destB, { recursive: true, force: true });
  }
  return { oursMs: median(a), theirsMs: median(b) };
}

function record(out: Figures, kind: 'tgz' | 'zip', tool: string, mb: number, r: { oursMs: number; theirsMs: number }): void {
  const name = kind === 'tgz' ? 'unpack_tgz_vs_gnutar_ratio' : 'unpack_zip_vs_unzip_ratio';
  out[`unpack_${kind}_deckhand_ms`] = figure(r.oursMs, 'ms', `extractBundle of a ${mb.toFixed(0)} MB ${kind}`);
  out[`unpack_${kind}_${tool}_ms`] = figure(r.theirsMs, 'ms', `${tool} of the same archive, same run`);
  out[name] = figure(r.oursMs / r.theirsMs, '×');
}

/** Generates the archives and measures; figures go into `out`. */
export async function runUnpackBench(opts: UnpackBenchOptions, out: Figures): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-unpack-'));
  try {
    const tree = path.join(dir, 'tree');
    const written = generateTree(tree, opts);
    const tgz = path.join(dir, 'bundle.tgz');
    const zip = path.join(dir, 'bundle.zip');
    const zipTools = (await hasTool('zip')) && (await hasTool('unzip'));
    // Packed side by side: gzip and deflate each keep one core busy, and nothing is timed yet.
    await Promise.all([packTgz(tree, tgz), zipTools ? packZip(tree, zip) : undefined]);
    rmSync(tree, { recursive: true, force: true });
    const tgzMb = statSync(tgz).size / 1024 ** 2;
    opts.log(`unpack: ${opts.files} files, ${(written / 1024 ** 2).toFixed(0)} MB uncompressed; tgz ${tgzMb.toFixed(0)} MB`);
    const tgzResult = await sideBySide(dir, opts.runs,
      (dest) => extractBundle({ file: tgz, type: 'tgz', dest }),
      (dest) => execFileP('tar', ['-xzf', tgz, '-C', dest]));
    record(out, 'tgz', 'gnutar', tgzMb, tgzResult);
    if (!zipTools) {
      out['unpack_zip_vs_unzip_ratio'] = notMeasured('×', 'zip and unzip are needed: apt-get install -y zip unzip');
      return;
    }
    const zipMb = statSync(zip).size / 1024 ** 2;
    const zipResult = await sideBySide(dir, opts.runs,
      (dest) => extractBundle({ file: zip, type: 'zip', dest }),
      (dest) => execFileP('unzip', ['-q', zip, '-d', dest]));
    record(out, 'zip', 'unzip', zipMb, zipResult);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
