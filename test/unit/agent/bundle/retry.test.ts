import assert from 'node:assert/strict';
import { isTransient, withRetries } from '../../../../agent/src/bundle/retry.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';

const flaky = (): DeckhandError => new DeckhandError('BUNDLE_DOWNLOAD_FAILED', 'HTTP 503', { retryable: true });

describe('withRetries', () => {
  it('treats retryable errors and checksum mismatches as transient, nothing else', () => {
    assert.equal(isTransient(flaky()), true);
    assert.equal(isTransient(new DeckhandError('BUNDLE_CHECKSUM_MISMATCH', 'cut short')), true);
    assert.equal(isTransient(new DeckhandError('BUNDLE_DOWNLOAD_FAILED', 'HTTP 404')), false);
    assert.equal(isTransient(new Error('ENOSPC')), false);
  });

  it('stops waiting and throws the abort reason when cancelled during a pause', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the coordinator');
    let attempts = 0;
    const started = Date.now();
    const run = withRetries(
      async () => {
        attempts++;
        throw flaky();
      },
      { delaysMs: [60_000], signal: controller.signal, onRetry: () => setTimeout(() => controller.abort(reason), 20) },
    );
    await assert.rejects(run, (err) => err === reason);
    assert.equal(attempts, 1, 'no attempt starts after the cancel');
    assert.ok(Date.now() - started < 5000, 'the 60 s pause was cut short');
  });
});
