import assert from 'node:assert/strict';
import { localEventOrder } from '../../../../agent/src/commands/local-events.ts';
import { AGENT_EVENT_ORDER } from '../../../../protocol/src/index.ts';

describe('localEventOrder', () => {
  it("runs CodeDeploy's eleven events without --events", () => {
    assert.deepEqual(localEventOrder(undefined), [...AGENT_EVENT_ORDER]);
  });

  it('keeps the order given and puts DownloadBundle and Install in front when missing', () => {
    assert.deepEqual(localEventOrder(['ValidateService', 'ApplicationStart']), ['DownloadBundle', 'Install', 'ValidateService', 'ApplicationStart']);
  });

  it('puts only the missing one in front, swapping it behind DownloadBundle when Install would come first', () => {
    assert.deepEqual(localEventOrder(['ApplicationStop', 'DownloadBundle']), ['DownloadBundle', 'ApplicationStop', 'Install']);
    assert.deepEqual(localEventOrder(['BeforeInstall', 'Install']), ['DownloadBundle', 'BeforeInstall', 'Install']);
  });

  it('keeps custom events where they are listed', () => {
    assert.deepEqual(localEventOrder(['WarmCaches']), ['DownloadBundle', 'Install', 'WarmCaches']);
  });

  it("refuses an event of the new revision before DownloadBundle, with codedeploy-local's message", () => {
    assert.throws(
      () => localEventOrder(['AfterInstall', 'DownloadBundle']),
      /^DeckhandError: The only events that can be specified before DownloadBundle are BeforeBlockTraffic,AfterBlockTraffic,ApplicationStop\. Please fix the order of your specified events: AfterInstall,DownloadBundle$/,
    );
    assert.throws(() => localEventOrder(['Install', 'DownloadBundle']), /before DownloadBundle/);
  });

  it("refuses an event of the new revision before Install, with codedeploy-local's message", () => {
    assert.throws(
      () => localEventOrder(['ValidateService', 'Install']),
      /The only events that can be specified before Install are BeforeBlockTraffic,AfterBlockTraffic,ApplicationStop,DownloadBundle,BeforeInstall\. Please fix the order of your specified events: ValidateService,Install/,
    );
  });
});
