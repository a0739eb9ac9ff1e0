import assert from 'node:assert/strict';
import { orderHosts, revisionHealthOf } from '../../../../coordinator/src/scheduler/targets.ts';
import type { RevisionHealth } from '../../../../protocol/src/index.ts';

function host(id: string, revisionHealth: RevisionHealth, connected = true): { id: string; revisionHealth: RevisionHealth; connected: boolean } {
  return { id, revisionHealth, connected };
}

describe('targets', () => {
  describe('#revisionHealthOf', () => {
    it('calls a host whose last attempt failed Unhealthy', () => {
      assert.equal(revisionHealthOf({ lastAttempt: 'Failed', lastSuccessfulRevision: 'r-1' }, 'r-1'), 'Unhealthy');
    });

    it('calls a host that never had a revision in the group Unknown', () => {
      assert.equal(revisionHealthOf(undefined, 'r-1'), 'Unknown');
    });

    it('calls a host on another revision Old and one on this revision Current', () => {
      assert.equal(revisionHealthOf({ lastAttempt: 'Succeeded', lastSuccessfulRevision: 'r-0' }, 'r-1'), 'Old');
      assert.equal(revisionHealthOf({ lastAttempt: 'Succeeded', lastSuccessfulRevision: 'r-1' }, 'r-1'), 'Current');
    });
  });

  describe('#orderHosts', () => {
    it('takes Unhealthy, then Unknown, then Old, then Current hosts', () => {
      const hosts = [host('c', 'Current'), host('o', 'Old'), host('k', 'Unknown'), host('u', 'Unhealthy')];
      assert.deepEqual(orderHosts(hosts).map((h) => h.id), ['u', 'k', 'o', 'c']);
    });

    it('keeps input order within a class but puts offline hosts after connected ones', () => {
      const hosts = [host('a', 'Old', false), host('b', 'Old'), host('c', 'Old')];
      assert.deepEqual(orderHosts(hosts).map((h) => h.id), ['b', 'c', 'a']);
    });
  });
});
