import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../../../../../common/src/logger.ts';
import { packageDirSource } from '../../../../../coordinator/src/api/agent-packages.ts';
import { installErrorHandlers } from '../../../../../coordinator/src/api/errors.ts';
import { installerRoutes, URL_MARKER, type InstallerSettings } from '../../../../../coordinator/src/api/routes/installers.ts';
import { tempDir } from '../harness.ts';

const BYTES = Buffer.from('not really a tarball');
const SHA = createHash('sha256').update(BYTES).digest('hex');

describe('the installer routes', function () {
  let app: FastifyInstance;
  let dir: string;
  let remove: () => void;

  async function build(settings: Partial<InstallerSettings> = {}): Promise<void> {
    app = Fastify();
    installErrorHandlers(app, silentLogger());
    installerRoutes(app, { packages: packageDirSource(path.join(dir, 'packages')), scriptsDir: path.join(dir, 'scripts'), ...settings });
    await app.ready();
  }

  beforeEach(async function () {
    ({ dir, remove } = tempDir());
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.writeFileSync(path.join(dir, 'scripts', 'install.sh'), `URL='${URL_MARKER}'\n`);
    fs.writeFileSync(path.join(dir, 'scripts', 'install.ps1'), `$Url = '${URL_MARKER}'\n`);
    fs.mkdirSync(path.join(dir, 'packages'));
    fs.writeFileSync(path.join(dir, 'packages', 'deckhand-agent-linux-x64.tar.gz'), BYTES);
    const entry = { platform: 'linux-x64', file: 'deckhand-agent-linux-x64.tar.gz', sha256: SHA, bytes: BYTES.length, version: '1.2.3' };
    fs.writeFileSync(path.join(dir, 'packages', 'manifest.json'), JSON.stringify({ version: '1.2.3', packages: { 'linux-x64': entry } }));
    await build();
  });
  afterEach(async function () {
    await app.close();
    remove();
  });

  it('fills install.sh with the URL the request was made to', async function () {
    const res = await app.inject({ method: 'GET', url: '/install.sh', headers: { host: 'coord.example:8420' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, "URL='http://coord.example:8420'\n");
  });

  it('fills install.ps1 with the configured public URL instead', async function () {
    await app.close();
    await build({ publicUrl: 'https://deploy.example.com/' });
    const res = await app.inject({ method: 'GET', url: '/install.ps1' });
    assert.equal(res.body, "$Url = 'https://deploy.example.com'\n");
  });

  it('refuses a Host header that would inject text into the script', async function () {
    const res = await app.inject({ method: 'GET', url: '/install.sh', headers: { host: "x';rm -rf /;'" } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'host');
  });

  it('serves the package of a platform with its checksum in a header', async function () {
    const res = await app.inject({ method: 'GET', url: '/v1/agent/package?platform=linux-x64' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.rawPayload, BYTES);
    assert.equal(res.headers['x-deckhand-sha256'], SHA);
  });

  it('serves the checksum line in sha256sum format', async function () {
    const res = await app.inject({ method: 'GET', url: '/v1/agent/package.sha256?platform=linux-x64' });
    assert.equal(res.body, `${SHA}  deckhand-agent-linux-x64.tar.gz\n`);
  });

  it('answers 404 naming the available platforms for one it has no package for', async function () {
    const res = await app.inject({ method: 'GET', url: '/v1/agent/package?platform=linux-arm64' });
    assert.equal(res.statusCode, 404);
    assert.match(res.json().error.message, /no agent package for platform linux-arm64 \(available: linux-x64\)/);
  });

  it('answers 400 for a malformed platform', async function () {
    const res = await app.inject({ method: 'GET', url: '/v1/agent/package?platform=../../etc' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'platform');
  });
});
