import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const IMPORT = /(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Top-level parts each part's sources reach through relative imports. */
function reachedParts(part: string): Map<string, string> {
  const reached = new Map<string, string>();
  for (const file of sources(path.join(ROOT, part, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? '';
      if (!spec.startsWith('.')) continue;
      const target = path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep)[0]!;
      if (target !== part) reached.set(target, path.relative(ROOT, file));
    }
  }
  return reached;
}

describe('the repository layout', function () {
  const allowed: Record<string, string[]> = {
    protocol: [],
    common: [],
    agent: ['protocol', 'common'],
    coordinator: ['protocol', 'common'],
    cli: ['protocol', 'common'],
  };
  for (const [part, may] of Object.entries(allowed)) {
    it(`lets ${part}/ import only ${may.length ? may.join(' and ') : 'itself'}`, function () {
      for (const [target, file] of reachedParts(part)) {
        assert.ok(may.includes(target), `${file} imports from ${target}/`);
      }
    });
  }
});
