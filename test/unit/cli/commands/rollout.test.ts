import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { configRequest, parseBatches } from '../../../../cli/src/commands/configs.ts';
import { parseDeployArgs } from '../../../../cli/src/commands/deploy.ts';
import { formatRollout } from '../../../../cli/src/format/rollout.ts';
import { UsageError } from '../../../../cli/src/errors.ts';

const OPTIONS = {
  name: { type: 'string' }, 'min-healthy': { type: 'string' }, batches: { type: 'string' }, bake: { type: 'string' },
  'segment-by': { type: 'string' }, 'segment-bake': { type: 'string' }, 'min-healthy-per-segment': { type: 'string' },
  'require-approval': { type: 'boolean', default: false }, url: { type: 'string' }, token: { type: 'string' },
  json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
} as const;

function values(args: string[]): any {
  return parseArgs({ args, allowPositionals: true, options: OPTIONS }).values;
}

describe('rollout commands', () => {
  it('parseBatches keeps counts as numbers and percentages as strings', () => {
    assert.deepEqual(parseBatches('1, 10%,100%'), [1, '10%', '100%']);
  });

  it('parseBatches refuses an entry that is neither a count nor a percentage', () => {
    assert.throws(() => parseBatches('1,half'), (err: unknown) => err instanceof UsageError && /"half"/.test(err.message));
  });

  it('configs create --batches --bake builds batches and bakeSeconds without a minimum', () => {
    const req = configRequest(values(['--name', 'Canary', '--batches', '1,10%,100%', '--bake', '30s']));
    assert.deepEqual(req, { name: 'Canary', batches: [1, '10%', '100%'], bakeSeconds: 30 });
  });

  it('configs create --segment-by carries the segment bake and minimum', () => {
    const req = configRequest(values(['--name', 'Racks', '--segment-by', 'rack', '--segment-bake', '1m', '--min-healthy-per-segment', 'HOST_COUNT:1']));
    assert.deepEqual(req, { name: 'Racks', segmentBy: 'rack', segmentBakeSeconds: 60, minimumHealthyHostsPerSegment: { type: 'HOST_COUNT', value: 1 } });
  });

  it('configs create without --min-healthy, --batches or --segment-by is a usage error', () => {
    assert.throws(() => configRequest(values(['--name', 'X'])), /missing required --min-healthy/);
  });

  it('deploy --require-approval goes into the request', () => {
    const args = parseDeployArgs(['--application', 'a', '--group', 'g', '--revision', 'r-ABCDEFGH', '--require-approval']);
    assert.ok(args !== 'help');
    assert.equal(args.req.requireApproval, true);
  });

  it('formatRollout says a deployment waits for approval and how to give it', () => {
    assert.equal(formatRollout({ step: 2, steps: 3, paused: false, approval: 'Waiting', waitingFor: 'approval' }), 'batch 2 of 3, waiting for approval (deckhand approve)');
  });

  it('formatRollout says a deployment is paused', () => {
    assert.match(formatRollout({ step: 1, steps: 1, paused: true, approval: 'NotRequired', waitingFor: 'pause' }), /paused/);
  });
});
