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
    // The dashboard runs in the browser: it takes the API's types from protocol/ and nothing else.
    dashboard: ['protocol'],
  };
  for (const [part, may] of Object.entries(allowed)) {
    it(`lets ${part}/ import only ${may.length ? may.join(' and ') : 'itself'}`, function () {
      for (const [target, file] of reachedParts(part)) {
        assert.ok(may.includes(target), `${file} imports from ${target}/`);
      }
    });
  }
});

/** The coordinator file each relative import of `file` names (type-only imports included). */
function coordinatorImports(file: string): string[] {
  const out: string[] = [];
  for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? '';
    if (spec.startsWith('.')) out.push(path.resolve(path.dirname(file), spec));
  }
  return out;
}

/** The package imports (not relative, not node: builtins) of `file`. */
function packageImports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? '').filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'));
}

/** One cycle of `graph`, as a path that ends where it starts, or undefined when there is none. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the coordinator layout', function () {
  const SRC = path.join(ROOT, 'coordinator', 'src');
  const files = sources(SRC);
  const rel = (file: string): string => path.relative(SRC, file).split(path.sep).join('/');
  const inside = (file: string, folder: string): boolean => rel(file).startsWith(`${folder}/`);

  it('lets only store/ import the database driver', function () {
    // common/src/sqlite.ts is the one loader of better-sqlite3 (it picks the build for the Node.js).
    const loader = path.join(ROOT, 'common', 'src', 'sqlite.ts');
    for (const file of files) {
      const drivers: string[] = packageImports(file).filter((spec) => spec === 'better-sqlite3' || spec === 'pg');
      if (coordinatorImports(file).includes(loader)) drivers.push('common/src/sqlite.ts');
      if (drivers.length > 0) assert.ok(inside(file, 'store'), `${rel(file)} imports ${drivers.join(', ')}`);
    }
  });

  it('lets nothing outside store/ write SQL', function () {
    const SQL = /\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER))\b/;
    for (const file of files) {
      if (inside(file, 'store')) continue;
      assert.doesNotMatch(readFileSync(file, 'utf8'), SQL, `${rel(file)} holds SQL`);
    }
  });

  it('lets only main.ts reach a store implementation: everything else uses the repository interface', function () {
    for (const file of files) {
      if (inside(file, 'store') || rel(file) === 'main.ts') continue;
      for (const target of coordinatorImports(file)) {
        const implementation = ['store/sqlite/', 'store/postgres/', 'store/migrate-store.ts'].some((p) => rel(target).startsWith(p));
        assert.ok(!implementation, `${rel(file)} imports ${rel(target)}`);
      }
    }
  });

  it('lets scheduler/policy/ import only itself and protocol/, so the decision does no I/O', function () {
    const protocol = path.join(ROOT, 'protocol', 'src');
    for (const file of files.filter((f) => inside(f, 'scheduler/policy'))) {
      assert.deepEqual(packageImports(file), [], `${rel(file)} imports a package`);
      for (const target of coordinatorImports(file)) {
        const ok = target.startsWith(path.join(SRC, 'scheduler', 'policy') + path.sep) || target.startsWith(protocol + path.sep);
        assert.ok(ok, `${rel(file)} imports ${path.relative(ROOT, target)}`);
      }
    }
  });

  it('has no import cycle among its files', function () {
    const graph = new Map(files.map((f) => [f, coordinatorImports(f).filter((t) => t.startsWith(SRC + path.sep))]));
    const cycle = findCycle(graph);
    assert.equal(cycle, undefined, `import cycle: ${(cycle ?? []).map(rel).join(' -> ')}`);
  });

  it('has no import cycle among its folders (no folder imports one that imports it back)', function () {
    const folderOf = (file: string): string => rel(file).split('/')[0] ?? '';
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const from = folderOf(file);
      const to = coordinatorImports(file).filter((t) => t.startsWith(SRC + path.sep)).map(folderOf).filter((f) => f !== from);
      graph.set(from, [...new Set([...(graph.get(from) ?? []), ...to])]);
    }
    const cycle = findCycle(graph);
    assert.equal(cycle, undefined, `folder cycle: ${(cycle ?? []).join(' -> ')}`);
  });
});
