import assert from 'node:assert/strict';
import { MAX_APPSPEC_CHARS, parseAppSpec } from '../../../../agent/src/appspec/parse.ts';
import type { AppSpec, AppSpecProblem } from '../../../../agent/src/appspec/types.ts';

function ok(text: string, os: 'linux' | 'windows' = 'linux'): AppSpec {
  const result = parseAppSpec(text, { os });
  if (!result.ok) assert.fail(JSON.stringify(result.problems));
  return result.spec;
}

function problems(text: string, os: 'linux' | 'windows' = 'linux'): AppSpecProblem[] {
  const result = parseAppSpec(text, { os });
  if (result.ok) assert.fail('expected the appspec to be refused');
  return result.problems;
}

const HEAD = 'version: 0.0\nos: linux\n';

describe('parseAppSpec', () => {
  describe('top level', () => {
    it('fills defaults for a minimal appspec', () => {
      assert.deepEqual(ok(HEAD), { version: '0.0', os: 'linux', hooks: {}, files: [], permissions: [] });
    });

    it('accepts the quoted version "0.0" that the AWS docs recommend', () => {
      assert.equal(ok('version: "0.0"\nos: linux\n').version, '0.0');
    });

    it('names both the appspec os and the host os when they differ', () => {
      const [p] = problems('version: 0.0\nos: linux\n', 'windows');
      assert.equal(p?.path, 'os');
      assert.match(p?.message ?? '', /"linux".*windows/);
      assert.equal(p?.line, 2);
    });

    it('reports every problem, not only the first', () => {
      const found = problems('version: 1\nos: beos\nfile_exists_behavior: KEEP\n');
      assert.deepEqual(found.map((p) => p.path), ['version', 'os', 'file_exists_behavior']);
    });

    it('refuses text above the size limit', () => {
      const [p] = problems(HEAD + '#'.repeat(MAX_APPSPEC_CHARS));
      assert.match(p?.message ?? '', /larger than/);
    });

    it('refuses an alias bomb instead of expanding it', () => {
      const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 0; i < 8; i++) lines.push(`${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`);
      const [p] = problems(HEAD + lines.join('\n') + '\n');
      assert.match(p?.message ?? '', /alias/i);
    });

    it('gives the line of a YAML syntax error', () => {
      const [p] = problems(HEAD + 'hooks: [unclosed\n');
      assert.match(p?.message ?? '', /not valid YAML/);
      assert.equal(typeof p?.line, 'number');
    });

    it('refuses a list at the top level', () => {
      assert.match(problems('- version: 0.0\n')[0]?.message ?? '', /mapping/);
    });

    it('keeps the appspec file_exists_behavior', () => {
      assert.equal(ok(HEAD + 'file_exists_behavior: OVERWRITE\n').fileExistsBehavior, 'OVERWRITE');
    });
  });

  describe('hooks', () => {
    it('defaults the timeout to 3600 seconds and keeps order', () => {
      const spec = ok(HEAD + 'hooks:\n  AfterInstall:\n    - location: a.sh\n    - location: b.sh\n      timeout: "30"\n');
      assert.deepEqual(spec.hooks['AfterInstall'], [
        { location: 'a.sh', timeoutSeconds: 3600 },
        { location: 'b.sh', timeoutSeconds: 30 },
      ]);
    });

    it('reads runas and sudo on linux', () => {
      const spec = ok(HEAD + 'hooks:\n  BeforeInstall:\n    - location: a.sh\n      runas: deploy\n      sudo: true\n');
      assert.deepEqual(spec.hooks['BeforeInstall'], [{ location: 'a.sh', timeoutSeconds: 3600, runas: 'deploy', sudo: true }]);
    });

    it('points at the key path and line of a bad timeout', () => {
      const text = HEAD + 'hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 0\n';
      const [p] = problems(text);
      assert.deepEqual(p, { path: 'hooks.AfterInstall[0].timeout', line: 6, message: 'timeout must be a positive number of seconds, got 0' });
    });

    it('refuses a timeout that is not a whole number', () => {
      assert.match(problems(HEAD + 'hooks:\n  A:\n    - location: a.sh\n      timeout: 10s\n')[0]?.message ?? '', /whole number/);
    });

    it('refuses scripts on events the agent performs itself', () => {
      const [p] = problems(HEAD + 'hooks:\n  Install:\n    - location: a.sh\n');
      assert.equal(p?.path, 'hooks.Install');
      assert.match(p?.message ?? '', /cannot have scripts/);
    });

    it('keeps an empty script list as a no-op', () => {
      assert.deepEqual(ok(HEAD + 'hooks:\n  AfterInstall: []\n').hooks, { AfterInstall: [] });
    });
  });

  describe('files', () => {
    it('keeps source and destination', () => {
      assert.deepEqual(ok(HEAD + 'files:\n  - source: /\n    destination: /srv/app\n').files, [{ source: '/', destination: '/srv/app' }]);
    });

    it('refuses a relative destination', () => {
      const [p] = problems(HEAD + 'files:\n  - source: a\n    destination: srv/app\n');
      assert.equal(p?.path, 'files[0].destination');
      assert.match(p?.message ?? '', /absolute/);
    });

    it('accepts a drive-letter destination on windows', () => {
      const spec = ok('version: 0.0\nos: windows\nfiles:\n  - source: a\n    destination: C:\\app\n', 'windows');
      assert.equal(spec.files[0]?.destination, 'C:\\app');
    });
  });

  describe('permissions', () => {
    const perm = (body: string): string => `${HEAD}permissions:\n  - object: /srv/app\n${body}`;

    it('fills pattern, except and type defaults', () => {
      assert.deepEqual(ok(perm('    mode: 644\n')).permissions, [
        { object: '/srv/app', pattern: '**', except: [], type: ['file', 'directory'], mode: '644' },
      ]);
    });

    it('keeps a quoted mode with a leading zero', () => {
      assert.equal(ok(perm('    mode: "0644"\n')).permissions[0]?.mode, '0644');
    });

    it('refuses an unquoted octal mode and says how to write it', () => {
      const [p] = problems(perm('    mode: 0644\n'));
      assert.equal(p?.path, 'permissions[0].mode');
      assert.match(p?.message ?? '', /octal number 420.*"0644"/);
    });

    it("explains the trap: what CodeDeploy would apply, and the switch that reproduces it", () => {
      const [applied] = problems(perm('    mode: 0644\n'));
      assert.match(applied?.message ?? '', /CodeDeploy applies it as 420, not 0644: quote it \("0644"\) or drop the leading zero \(644\).*yamlOctalModes/);
      const [refused] = problems(perm('    mode: 0755\n'));
      assert.match(refused?.message ?? '', /octal number 493, so CodeDeploy refuses it/);
    });

    for (const [written, mode] of [['0000', '000'], ['0', '000'], ['0007', '007'], ['00', '000'], ['644', '644']] as const) {
      it(`accepts the unquoted mode ${written} as ${mode}: YAML 1.1 reads the digits written`, () => {
        assert.equal(ok(perm(`    mode: ${written}\n`)).permissions[0]?.mode, mode);
      });
    }

    describe("with yamlOctalModes 'codedeploy'", () => {
      const codedeploy = (body: string) => parseAppSpec(perm(body), { os: 'linux', yamlOctalModes: 'codedeploy' });

      it('applies an unquoted 0644 as CodeDeploy does: 0420', () => {
        const result = codedeploy('    mode: 0644\n');
        assert.ok(result.ok);
        assert.equal(result.spec.permissions[0]?.mode, '420');
      });

      it('refuses an unquoted 0755 as CodeDeploy does: 493 has a 9', () => {
        const result = codedeploy('    mode: 0755\n');
        assert.ok(!result.ok);
        assert.match(result.problems[0]?.message ?? '', /invalid character \(9\)/);
      });
    });

    it('parses a SELinux context and range', () => {
      const spec = ok(perm('    context:\n      name: system_u\n      type: httpd_t\n      range: s0-s3:c0.c5\n'));
      assert.deepEqual(spec.permissions[0]?.context, { type: 'httpd_t', user: 'system_u', range: { low: 's0', high: 's3', categories: 'c0.c5' } });
    });

    it('refuses duplicate SELinux categories', () => {
      assert.match(problems(perm('    context:\n      type: t\n      range: s0:c1.c3,c2\n'))[0]?.message ?? '', /duplicate/);
    });

    it('points at the offending ACL entry', () => {
      const [p] = problems(perm('    acls:\n      - u:bob:rwx\n      - o:ann:r\n'));
      assert.equal(p?.path, 'permissions[0].acls[1]');
      assert.equal(p?.line, 7);
    });
  });
});
