import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, tempDir, type Harness } from '../harness.ts';

describe('the dashboard page and files (/, /ui/)', () => {
  let h: Harness;
  let web: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    web = tempDir();
    fs.writeFileSync(path.join(web.dir, 'index.html'), '<!doctype html><title>Deckhand</title>');
    fs.writeFileSync(path.join(web.dir, 'app.js'), 'console.log(1);');
    fs.writeFileSync(path.join(web.dir, 'app.css'), 'body{}');
    h = await startHarness({ dashboardDir: web.dir });
  });
  afterEach(async () => {
    await h.close();
    web.remove();
  });

  it('answers the page without a token at / and at every address it shows, with a strict CSP', async () => {
    for (const url of ['/', '/deployments', '/deployments/d-AAAAAAAAAA?host=i-1&event=Install', '/instances', '/applications/web/groups/prod']) {
      const res = await h.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.equal(res.body, '<!doctype html><title>Deckhand</title>');
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
  });

  it('serves the built script and style with their types', async () => {
    const js = await h.app.inject({ method: 'GET', url: '/ui/app.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal(js.body, 'console.log(1);');
    assert.match(String((await h.app.inject({ method: 'GET', url: '/ui/app.css' })).headers['content-type']), /^text\/css/);
  });

  it('answers 404 naming the files it has for any other name (no path reaches outside)', async () => {
    for (const file of ['index.html', '..%2Fpackage.json', 'app.js.map']) {
      const res = await h.app.inject({ method: 'GET', url: `/ui/${file}` });
      assert.equal(res.statusCode, 404, file);
      assert.match(res.json().error.message, /\(known: app\.js, app\.css\)$/);
    }
  });

  it('says how to build it when the dashboard was not built', async () => {
    const bare = await startHarness();
    try {
      const res = await bare.app.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /The dashboard is not built: .*index\.html is missing\. Run npm run build/);
    } finally {
      await bare.close();
    }
  });
});
