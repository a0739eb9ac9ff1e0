import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyNginxChange, markServer, NginxUpstreamError, NginxUpstreams, serversOf } from '../../../common/src/nginx-upstream.ts';

const FILE = `upstream app {
    # the web servers
    server 10.0.0.1:8080 max_fails=3;
    server 10.0.0.2:8080;
    server 10.0.0.2:80801 down;
}
`;

describe('nginx upstream files', () => {
  describe('markServer', () => {
    it('adds down to the one server line, keeping its parameters', () => {
      const out = markServer(FILE, '10.0.0.1:8080', true);
      assert.equal(out.found, true);
      assert.match(out.text, /server 10\.0\.0\.1:8080 max_fails=3 down;/);
      assert.match(out.text, /server 10\.0\.0\.2:8080;/);
    });

    it('removes down, and changes nothing when the line is already as asked', () => {
      assert.match(markServer(FILE, '10.0.0.2:80801', false).text, /server 10\.0\.0\.2:80801;/);
      assert.equal(markServer(FILE, '10.0.0.2:8080', false).changed, false);
    });

    it('does not mistake a longer address or a comment for the server', () => {
      const out = markServer(FILE, '10.0.0.2:8080', true);
      assert.match(out.text, /server 10\.0\.0\.2:80801 down;/);
      assert.match(out.text, /# the web servers/);
      assert.equal(markServer(FILE, '10.0.0.9:8080', true).found, false);
    });

    it('reads which servers are down', () => {
      assert.deepEqual(Object.fromEntries(serversOf(FILE)), { '10.0.0.1:8080': { down: false }, '10.0.0.2:8080': { down: false }, '10.0.0.2:80801': { down: true } });
    });
  });

  describe('applyNginxChange', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-nginx-'));
      fs.writeFileSync(path.join(dir, 'upstream.conf'), FILE, { mode: 0o640 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('rewrites the file with its mode and runs the reload command', async () => {
      const marker = path.join(dir, 'reloaded');
      const result = await applyNginxChange({ upstreamFile: path.join(dir, 'upstream.conf'), server: '10.0.0.1:8080', down: true, reload: ['touch', marker], drainTimeoutMs: 0 });
      assert.equal(result.changed, true);
      assert.ok(fs.existsSync(marker));
      assert.equal(fs.statSync(path.join(dir, 'upstream.conf')).mode & 0o777, 0o640);
      assert.match(fs.readFileSync(path.join(dir, 'upstream.conf'), 'utf8'), /10\.0\.0\.1:8080 max_fails=3 down;/);
    });

    it('names the missing server line and changes nothing', async () => {
      await assert.rejects(applyNginxChange({ upstreamFile: path.join(dir, 'upstream.conf'), server: '10.9.9.9:1', down: true, reload: ['true'], drainTimeoutMs: 0 }), (err: unknown) => {
        assert.ok(err instanceof NginxUpstreamError);
        assert.equal(err.kind, 'server');
        assert.match(err.message, /has no "server 10\.9\.9\.9:1" line/);
        return true;
      });
      assert.equal(fs.readFileSync(path.join(dir, 'upstream.conf'), 'utf8'), FILE);
    });

    it('says when the file is missing or nginx refuses the reload', async () => {
      await assert.rejects(applyNginxChange({ upstreamFile: path.join(dir, 'nope.conf'), server: 'a:1', down: true, reload: ['true'], drainTimeoutMs: 0 }), /cannot read nginx upstream file .*nope\.conf: ENOENT/);
      await assert.rejects(
        applyNginxChange({ upstreamFile: path.join(dir, 'upstream.conf'), server: '10.0.0.1:8080', down: true, reload: ['sh', '-c', 'echo "nginx: [error] invalid PID number" >&2; exit 1'], drainTimeoutMs: 0 }),
        /nginx reload \(sh -c .*\) failed with exit code 1: nginx: \[error\] invalid PID number/,
      );
    });
  });

  describe('NginxUpstreams', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-nginx-'));
      fs.writeFileSync(path.join(dir, 'upstream.conf'), ['upstream app {', ...[1, 2, 3, 4, 5, 6].map((n) => `    server 10.0.0.${n}:80;`), '}', ''].join('\n'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('applies changes of one file made at once one after the other, so none undoes another', async () => {
      const upstreams = new NginxUpstreams();
      // The reload command sleeps a little, so every change is queued while the first runs.
      const change = (n: number) => upstreams.apply({ upstreamFile: path.join(dir, 'upstream.conf'), server: `10.0.0.${n}:80`, down: true, reload: ['sleep', '0.05'], drainTimeoutMs: 0 });
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map(change));
      assert.deepEqual(results.map((r) => r.changed), [true, true, true, true, true, true]);
      const servers = serversOf(fs.readFileSync(path.join(dir, 'upstream.conf'), 'utf8'));
      assert.deepEqual([...servers.values()].map((s) => s.down), [true, true, true, true, true, true]);
    });

    it('goes on with the next change after one fails', async () => {
      const upstreams = new NginxUpstreams();
      const file = path.join(dir, 'upstream.conf');
      const bad = upstreams.apply({ upstreamFile: file, server: '10.9.9.9:80', down: true, reload: ['true'], drainTimeoutMs: 0 });
      const good = upstreams.apply({ upstreamFile: file, server: '10.0.0.1:80', down: true, reload: ['true'], drainTimeoutMs: 0 });
      await assert.rejects(bad, /has no "server 10\.9\.9\.9:80" line/);
      assert.equal((await good).changed, true);
    });
  });
});
