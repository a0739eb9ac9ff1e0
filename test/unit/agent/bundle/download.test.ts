import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { downloadToFile } from '../../../../agent/src/bundle/download.ts';
import { DeckhandError, type ErrorCode } from '../../../../protocol/src/index.ts';

const BODY = Buffer.from('bundle bytes '.repeat(1000));
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');

/** Sends BODY in `parts` pieces 100 ms apart: slow, but never silent for long. */
function trickle(res: http.ServerResponse, parts: number): void {
  const size = Math.ceil(BODY.length / parts);
  let sent = 0;
  const timer = setInterval(() => {
    res.write(BODY.subarray(sent, sent + size));
    sent += size;
    if (sent >= BODY.length) {
      clearInterval(timer);
      res.end();
    }
  }, 100);
}

describe('downloadToFile', () => {
  let server: http.Server;
  let base: string;
  let dir: string;
  let seenHeaders: http.IncomingHttpHeaders;

  before(async () => {
    server = http.createServer((req, res) => {
      seenHeaders = req.headers;
      if (req.url === '/bundle') {
        res.writeHead(200, { 'content-length': BODY.length });
        res.end(BODY);
      } else if (req.url === '/chunked') {
        res.writeHead(200);
        res.write(BODY);
        res.end(BODY);
      } else if (req.url === '/hang') {
        res.writeHead(200);
        res.write(BODY.subarray(0, 10));
      } else if (req.url === '/silent') {
        // Accepts the request and never answers: a link that broke without a reset.
      } else if (req.url === '/trickle') {
        res.writeHead(200);
        trickle(res, 8);
      } else {
        res.writeHead(req.url === '/boom' ? 503 : 404);
        res.end('nope');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof DeckhandError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, pattern);
      return true;
    });
    assert.deepEqual(fs.readdirSync(dir), [], 'no file may be left behind');
  }

  it('streams the body to dest and returns its size and sha256', async () => {
    const dest = path.join(dir, 'bundle.tgz');
    const result = await downloadToFile(`${base}/bundle`, dest, { expectedSha256: BODY_SHA });
    assert.deepEqual(result, { bytes: BODY.length, sha256: BODY_SHA });
    assert.deepEqual(fs.readFileSync(dest), BODY);
    assert.deepEqual(fs.readdirSync(dir), ['bundle.tgz']);
  });

  it('sends the given headers', async () => {
    await downloadToFile(`${base}/bundle`, path.join(dir, 'b'), { headers: { 'x-deckhand-instance': 'i-1' } });
    assert.equal(seenHeaders['x-deckhand-instance'], 'i-1');
  });

  it('fails with the HTTP status and leaves no file', async () => {
    await rejectsWith(downloadToFile(`${base}/missing`, path.join(dir, 'b')), 'BUNDLE_DOWNLOAD_FAILED', /HTTP 404/);
  });

  it('marks server errors retryable', async () => {
    await assert.rejects(downloadToFile(`${base}/boom`, path.join(dir, 'b')), (err: unknown) => {
      assert.ok(err instanceof DeckhandError && err.retryable);
      return true;
    });
  });

  it('deletes the file on a checksum mismatch', async () => {
    await rejectsWith(downloadToFile(`${base}/bundle`, path.join(dir, 'b'), { expectedSha256: '0'.repeat(64) }), 'BUNDLE_CHECKSUM_MISMATCH', new RegExp(BODY_SHA));
  });

  it('refuses a declared length above maxBytes', async () => {
    await rejectsWith(downloadToFile(`${base}/bundle`, path.join(dir, 'b'), { maxBytes: 100 }), 'BUNDLE_TOO_LARGE', /100 bytes/);
  });

  it('stops a body without a length once it passes maxBytes', async () => {
    await rejectsWith(downloadToFile(`${base}/chunked`, path.join(dir, 'b'), { maxBytes: BODY.length + 1 }), 'BUNDLE_TOO_LARGE', /limit/);
  });

  it('fails retryably when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await rejectsWith(downloadToFile(`http://127.0.0.1:${port}/bundle`, path.join(dir, 'b')), 'BUNDLE_DOWNLOAD_FAILED', /ECONNREFUSED/);
  });

  it('fails retryably, naming the stall, when the body stops arriving', async () => {
    const started = Date.now();
    await assert.rejects(downloadToFile(`${base}/hang`, path.join(dir, 'b'), { stallMs: 300 }), (err: unknown) => {
      assert.ok(err instanceof DeckhandError && err.retryable, String(err));
      assert.equal(err.code, 'BUNDLE_DOWNLOAD_FAILED');
      assert.match(err.message, /\/hang stalled: no data arrived for 0 s/);
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'the stall ends the download long before any HTTP timeout');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('fails as stalled when the server never answers the request', async () => {
    await rejectsWith(downloadToFile(`${base}/silent`, path.join(dir, 'b'), { stallMs: 300 }), 'BUNDLE_DOWNLOAD_FAILED', /\/silent stalled/);
  });

  it('keeps a slow body that never pauses longer than the stall limit', async () => {
    const result = await downloadToFile(`${base}/trickle`, path.join(dir, 'b'), { stallMs: 400, expectedSha256: BODY_SHA });
    assert.equal(result.bytes, BODY.length);
  });

  it('throws the abort reason when aborted mid-body', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by coordinator');
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(downloadToFile(`${base}/hang`, path.join(dir, 'b'), { signal: controller.signal }), (err) => err === reason);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
