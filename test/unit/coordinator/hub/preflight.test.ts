import assert from 'node:assert/strict';
import { systemClock } from '../../../../common/src/clock.ts';
import type { PreflightRequestBody } from '../../../../protocol/src/index.ts';
import { PreflightRequests } from '../../../../coordinator/src/hub/preflight.ts';

const DEPLOY: PreflightRequestBody['deploy'] = {
  applicationName: 'shop',
  deploymentGroupName: 'web',
  deploymentGroupId: 'dg-ABCDEFGH',
  revision: { revisionId: 'rev-ABCDEFGH', sha256: 'a'.repeat(64), bundleType: 'tgz', size: 1, location: { kind: 'coordinator', path: '/v1/revisions/rev-ABCDEFGH/content' } },
  fileExistsBehavior: 'DISALLOW',
};

describe('PreflightRequests', () => {
  it('resolves with every answer as soon as the last host answers', async () => {
    const requests = new PreflightRequests(systemClock);
    const sent: PreflightRequestBody[] = [];
    const asked = requests.ask(['i-AAAAAA', 'i-BBBBBB'], DEPLOY, 60_000, (_, body) => sent.push(body) > 0);
    requests.receive('i-AAAAAA', { requestId: sent[0]!.requestId, ok: true, problems: [] });
    requests.receive('i-BBBBBB', { requestId: sent[1]!.requestId, ok: false, problems: ['conflicts: x'] });
    const answers = await asked;
    assert.deepEqual([...answers], [['i-AAAAAA', { ok: true, problems: [] }], ['i-BBBBBB', { ok: false, problems: ['conflicts: x'] }]]);
  });

  it('says a host is checking the revision only while it is asked and has not answered', async () => {
    const requests = new PreflightRequests(systemClock);
    let requestId = '';
    const asked = requests.ask(['i-AAAAAA'], DEPLOY, 60_000, (_, body) => ((requestId = body.requestId), true));
    assert.equal(requests.isChecking('i-AAAAAA', 'rev-ABCDEFGH'), true);
    assert.equal(requests.isChecking('i-AAAAAA', 'rev-OTHERREV'), false);
    assert.equal(requests.isChecking('i-BBBBBB', 'rev-ABCDEFGH'), false);
    requests.receive('i-AAAAAA', { requestId, ok: true, problems: [] });
    await asked;
    assert.equal(requests.isChecking('i-AAAAAA', 'rev-ABCDEFGH'), false);
  });

  it('marks a host it could not send to as offline without waiting for it', async () => {
    const requests = new PreflightRequests(systemClock);
    const answers = await requests.ask(['i-AAAAAA'], DEPLOY, 60_000, () => false);
    assert.equal(answers.get('i-AAAAAA'), 'offline');
  });

  it('marks a host that did not answer before the timeout as timeout', async () => {
    const requests = new PreflightRequests(systemClock);
    let requestId = '';
    const asked = requests.ask(['i-AAAAAA', 'i-BBBBBB'], DEPLOY, 50, (_, body) => ((requestId = body.requestId), true));
    requests.receive('i-AAAAAA', { requestId, ok: true, problems: [] });
    const answers = await asked;
    assert.deepEqual(answers.get('i-AAAAAA'), { ok: true, problems: [] });
    assert.equal(answers.get('i-BBBBBB'), 'timeout');
  });

  it('ignores an answer from a host that was not asked', async () => {
    const requests = new PreflightRequests(systemClock);
    let requestId = '';
    const asked = requests.ask(['i-AAAAAA'], DEPLOY, 50, (_, body) => ((requestId = body.requestId), true));
    requests.receive('i-INTRUDER', { requestId, ok: true, problems: [] });
    const answers = await asked;
    assert.deepEqual([...answers.keys()], ['i-AAAAAA']);
    assert.equal(answers.get('i-AAAAAA'), 'timeout');
  });

  it('ends open requests at once on closeAll', async () => {
    const requests = new PreflightRequests(systemClock);
    const asked = requests.ask(['i-AAAAAA'], DEPLOY, 60_000, () => true);
    requests.closeAll();
    assert.equal((await asked).get('i-AAAAAA'), 'timeout');
  });
});
