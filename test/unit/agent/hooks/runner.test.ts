import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { createHookRunner } from '../../../../agent/src/hooks/index.ts';
import type { OutputLine } from '../../../../agent/src/hooks/types.ts';
import { FIXTURES, TempDeployment } from './helpers.ts';

const TS = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`;
const fastRunner = () => createHookRunner({ clock: systemClock, killGraceMs: 200 });
const sh = (body: string) => `#!/bin/sh\n${body}\n`;

describe('HookRunner', () => {
  let dep: TempDeployment;
  beforeEach(() => {
    dep = new TempDeployment();
  });
  afterEach(() => dep.remove());

  describe('#runEvent', () => {
    it('succeeds when every script exits 0 and writes scripts.log in CodeDeploy format', async () => {
      dep.script('scripts/a.sh', sh('echo hello\necho oops >&2'));
      const result = await fastRunner().runEvent(dep.request([{ location: 'scripts/a.sh', timeoutSeconds: 10 }]));
      assert.equal(result.status, 'Succeeded');
      assert.equal(result.errorCode, 'Success');
      assert.deepEqual(result.warnings, []);
      const lines = dep.log().trimEnd().split('\n');
      assert.match(lines[0] ?? '', new RegExp(`^${TS} LifecycleEvent - AfterInstall$`));
      assert.match(lines[1] ?? '', new RegExp(`^${TS} Script - scripts/a.sh$`));
      assert.ok(lines.some((l) => new RegExp(`^${TS} \\[stdout\\]hello$`).test(l)));
      assert.ok(lines.some((l) => new RegExp(`^${TS} \\[stderr\\]oops$`).test(l)));
      assert.equal(lines.length, 4);
    });

    it('fails with ScriptFailed and the exit code when a script exits 3, keeping its output in the tail', async () => {
      dep.script('fail.sh', sh('echo about to fail\nexit 3'));
      const result = await fastRunner().runEvent(dep.request([{ location: 'fail.sh', timeoutSeconds: 10 }]));
      assert.equal(result.status, 'Failed');
      assert.equal(result.errorCode, 'ScriptFailed');
      assert.equal(result.message, 'Script at specified location: fail.sh failed with exit code 3');
      assert.equal(result.scriptName, 'fail.sh');
      assert.equal(result.logTail, 'LifecycleEvent - AfterInstall\nScript - fail.sh\n[stdout]about to fail');
    });

    it('runs no further scripts after a failure', async () => {
      dep.script('fail.sh', sh('exit 1'));
      dep.script('second.sh', sh('echo ran > second.ran'));
      const result = await fastRunner().runEvent(
        dep.request([{ location: 'fail.sh', timeoutSeconds: 10 }, { location: 'second.sh', timeoutSeconds: 10 }]),
      );
      assert.equal(result.status, 'Failed');
      assert.equal(fs.existsSync(path.join(dep.archiveDir, 'second.ran')), false);
    });

    it('fails with ScriptMissing naming the absolute path when the script does not exist', async () => {
      const result = await fastRunner().runEvent(dep.request([{ location: 'nope/x.sh', timeoutSeconds: 10 }]));
      assert.equal(result.errorCode, 'ScriptMissing');
      assert.equal(result.message, `Script does not exist at specified location: ${path.join(dep.archiveDir, 'nope/x.sh')}`);
      assert.equal(result.scriptName, 'nope/x.sh');
    });

    it('refuses to chmod or run a host file that a location climbing out of the revision reaches', async () => {
      const host = path.join(dep.root, 'host.sh');
      fs.writeFileSync(host, sh(`echo ran > ${JSON.stringify(path.join(dep.root, 'ran'))}`), { mode: 0o644 });
      const result = await fastRunner().runEvent(dep.request([{ location: '../host.sh', timeoutSeconds: 10 }]));
      assert.equal(result.status, 'Failed');
      assert.equal(result.errorCode, 'ScriptOutsideRevision');
      assert.equal(result.message, `Script at specified location: ../host.sh resolves to ${host}, outside the revision (${dep.archiveDir}): the agent runs only scripts inside the revision`);
      assert.equal(result.scriptName, '../host.sh');
      assert.equal(fs.statSync(host).mode & 0o777, 0o644, 'the host file keeps its mode');
      assert.equal(fs.existsSync(path.join(dep.root, 'ran')), false, 'the host file did not run');
    });

    it('refuses a script reached through a link that leaves the revision', async () => {
      const outside = path.join(dep.root, 'elsewhere');
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(outside, 'run.sh'), sh('exit 0'), { mode: 0o755 });
      fs.symlinkSync(outside, path.join(dep.archiveDir, 'scripts'));
      const result = await fastRunner().runEvent(dep.request([{ location: 'scripts/run.sh', timeoutSeconds: 10 }]));
      assert.equal(result.errorCode, 'ScriptOutsideRevision');
      assert.match(result.message, /resolves to .*elsewhere\/run\.sh, outside the revision/);
    });

    it('runs a location that climbs out and comes back into the revision', async () => {
      dep.script('scripts/ok.sh', sh('echo back inside'));
      const result = await fastRunner().runEvent(dep.request([{ location: '../deployment-archive/scripts/ok.sh', timeoutSeconds: 10 }]));
      assert.equal(result.status, 'Succeeded', result.message);
    });

    it('makes a non-executable script executable and runs it', async () => {
      const file = dep.script('plain.sh', sh('echo ran'), 0o644);
      const result = await fastRunner().runEvent(dep.request([{ location: 'plain.sh', timeoutSeconds: 10 }]));
      assert.equal(result.status, 'Succeeded');
      assert.ok(fs.statSync(file).mode & 0o100);
      assert.match(result.warnings.join('\n'), /plain\.sh is not executable\.  Trying to make it executable\./);
      assert.match(result.logTail, /\[stdout\]ran/);
    });

    it('runs a script without a shebang through /bin/sh', async () => {
      dep.script('noshebang', 'echo "no shebang $((1 + 2))"\n');
      const result = await fastRunner().runEvent(dep.request([{ location: 'noshebang', timeoutSeconds: 10 }]));
      assert.equal(result.status, 'Succeeded');
      assert.match(result.logTail, /\[stdout\]no shebang 3/);
    });

    it('runs scripts whose paths contain spaces, quotes and dollar signs', async () => {
      const location = `it's "odd" $HOME dir/run me $(x).sh`;
      dep.script(location, sh('echo "args:$#"'));
      const result = await fastRunner().runEvent(dep.request([{ location, timeoutSeconds: 10 }]));
      assert.equal(result.status, 'Succeeded', result.message);
      assert.match(result.logTail, /\[stdout\]args:0/);
    });

    it('runs the script in the archive directory with exactly the given environment and stdin closed', async () => {
      dep.script('env.sh', sh('echo "cwd=$(pwd)"\necho "foo=$FOO home=${HOME-unset}"\nread x; echo "read=$?"'));
      const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', FOO: 'bar baz' };
      const result = await fastRunner().runEvent(dep.request([{ location: 'env.sh', timeoutSeconds: 10 }], { env }));
      assert.equal(result.status, 'Succeeded');
      assert.match(result.logTail, new RegExp(`\\[stdout\\]cwd=${dep.archiveDir}\n`));
      assert.match(result.logTail, /\[stdout\]foo=bar baz home=unset/);
      assert.match(result.logTail, /\[stdout\]read=1/);
    });

    it('passes the environment exactly to a Node fixture run via its shebang', async () => {
      const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', DEPLOYMENT_ID: 'd-TEST' };
      const lines: string[] = [];
      const req = dep.request([{ location: 'print-env.js', timeoutSeconds: 10 }], {
        archiveDir: FIXTURES,
        env,
        onLine: (l) => lines.push(l.text),
      });
      const result = await fastRunner().runEvent(req);
      assert.equal(result.status, 'Succeeded', result.message);
      const printed = JSON.parse(lines[0] ?? '{}') as { env: Record<string, string>; cwd: string };
      assert.equal(printed.cwd, FIXTURES);
      assert.equal(printed.env['DEPLOYMENT_ID'], 'd-TEST');
      assert.equal(printed.env['HOME'], undefined);
    });

    it('writes each script exit status to <statusDir>/<event>-<index>.status', async () => {
      dep.script('ok.sh', sh('exit 0'));
      dep.script('fail.sh', sh('exit 7'));
      await fastRunner().runEvent(
        dep.request([{ location: 'ok.sh', timeoutSeconds: 10 }, { location: 'fail.sh', timeoutSeconds: 10 }]),
      );
      assert.equal(fs.readFileSync(path.join(dep.statusDir, 'AfterInstall-0.status'), 'utf8'), '0\n');
      assert.equal(fs.readFileSync(path.join(dep.statusDir, 'AfterInstall-1.status'), 'utf8'), '7\n');
    });

    it('hands every output line to onLine as it arrives', async () => {
      dep.script('a.sh', sh('echo one\necho two >&2'));
      const seen: OutputLine[] = [];
      await fastRunner().runEvent(dep.request([{ location: 'a.sh', timeoutSeconds: 10 }], { onLine: (l) => seen.push(l) }));
      assert.deepEqual(
        seen.map((l) => `${l.stream}:${l.text}`).sort(),
        ['stderr:two', 'stdout:one'],
      );
      assert.ok(seen.every((l) => l.at instanceof Date));
    });

    it('succeeds without touching scripts.log when the event has no scripts', async () => {
      const result = await fastRunner().runEvent(dep.request([]));
      assert.equal(result.status, 'Succeeded');
      assert.equal(fs.existsSync(dep.logFile), false);
    });

    it('cuts very long lines and keeps the tail within 4 KB', async () => {
      const req = dep.request([{ location: 'print-lots.js', timeoutSeconds: 20 }], { archiveDir: FIXTURES });
      req.env = { ...req.env, LINES: '20000', LONG_LINE: String(1024 * 1024) };
      const result = await fastRunner().runEvent(req);
      assert.equal(result.status, 'Succeeded', result.message);
      assert.ok(result.logTail.length <= 4096);
      assert.match(result.logTail, /\[stdout\]after long line$/);
      const longest = Math.max(...dep.log().split('\n').map((l) => l.length));
      assert.ok(longest < 17 * 1024, `longest logged line is ${longest}`);
      assert.match(dep.log(), /\[stdout\]line 20000\n/);
      assert.match(dep.log(), /\[deckhand: line truncated\]/);
    });
  });
});
