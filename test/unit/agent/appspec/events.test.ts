import assert from 'node:assert/strict';
import { checkRunEvents, closestEvent, unknownEventWarning, unknownHookEvents } from '../../../../agent/src/appspec/events.ts';
import type { AppSpec } from '../../../../agent/src/appspec/types.ts';
import { AGENT_EVENT_ORDER, DeckhandError } from '../../../../protocol/src/index.ts';

function specWith(...events: string[]): AppSpec {
  const hooks = Object.fromEntries(events.map((e) => [e, [{ location: 'x.sh', timeoutSeconds: 60 }]]));
  return { version: '0.0', os: 'linux', files: [], permissions: [], hooks };
}

describe('appspec event names', () => {
  describe('#closestEvent', () => {
    it('names the event a typo was meant to be', () => {
      assert.equal(closestEvent('BeforInstall'), 'BeforeInstall');
      assert.equal(closestEvent('applicationstart'), 'ApplicationStart');
      assert.equal(closestEvent('ValidateServices'), 'ValidateService');
    });

    it('names nothing for a name unlike any event', () => {
      assert.equal(closestEvent('WarmCaches'), undefined);
    });
  });

  describe('#unknownHookEvents', () => {
    it("lists the hooks that are neither CodeDeploy's events nor AfterFailure", () => {
      assert.deepEqual(unknownHookEvents(specWith(...AGENT_EVENT_ORDER.filter((e) => e !== 'Install' && e !== 'DownloadBundle'), 'AfterFailure', 'BeforInstall', 'WarmCaches')), ['BeforInstall', 'WarmCaches']);
    });

    it('takes the events of the run as known', () => {
      assert.deepEqual(unknownHookEvents(specWith('WarmCaches'), ['WarmCaches']), []);
    });
  });

  it('warns about an unknown name naming the closest event', () => {
    assert.match(unknownEventWarning('BeforInstall'), /BeforInstall is not a lifecycle event \(did you mean BeforeInstall\?\)/);
  });

  describe('#checkRunEvents', () => {
    it("refuses an appspec naming an event the run does not know, with codedeploy-local's message", () => {
      assert.throws(() => checkRunEvents(specWith('BeforeInstall', 'BeforInstall'), 'appspec.yml', [...AGENT_EVENT_ORDER]), (err: unknown) => {
        assert.ok(err instanceof DeckhandError);
        assert.equal(err.code, 'APPSPEC_INVALID');
        assert.match(err.message, /^appspec\.yml file contains unknown lifecycle events: \["BeforInstall"\]\. Did you mean BeforeInstall/);
        return true;
      });
    });

    it('accepts a custom event the run names', () => {
      checkRunEvents(specWith('WarmCaches'), 'appspec.yml', ['DownloadBundle', 'Install', 'WarmCaches']);
    });

    it("refuses a custom event of the run that the appspec does not define, with codedeploy-local's message", () => {
      assert.throws(
        () => checkRunEvents(specWith('BeforeInstall'), 'appspec.yaml', ['DownloadBundle', 'Install', 'WarmCaches']),
        /You specified a lifecycle event which is not a default one and doesn't exist in your appspec\.yaml file: WarmCaches/,
      );
    });
  });
});
