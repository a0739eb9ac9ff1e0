import assert from 'node:assert/strict';
import {
  groupSelects,
  matchesTagFilter,
  matchesTagFilters,
  matchesTagSet,
  selectByTags,
} from '../../../../coordinator/src/scheduler/tag-filters.ts';

const tags = { env: 'prod', role: 'web' };

describe('tag filters', () => {
  describe('#matchesTagFilter', () => {
    it('KEY_ONLY matches an instance that has the key with any value', () => {
      assert.equal(matchesTagFilter(tags, { type: 'KEY_ONLY', key: 'role' }), true);
      assert.equal(matchesTagFilter(tags, { type: 'KEY_ONLY', key: 'zone' }), false);
    });

    it('VALUE_ONLY matches an instance with that value under any key', () => {
      assert.equal(matchesTagFilter(tags, { type: 'VALUE_ONLY', value: 'web' }), true);
      assert.equal(matchesTagFilter(tags, { type: 'VALUE_ONLY', value: 'db' }), false);
    });

    it('KEY_AND_VALUE needs the exact pair', () => {
      assert.equal(matchesTagFilter(tags, { type: 'KEY_AND_VALUE', key: 'env', value: 'prod' }), true);
      assert.equal(matchesTagFilter(tags, { type: 'KEY_AND_VALUE', key: 'role', value: 'prod' }), false);
    });

    it('does not treat inherited object properties as tags', () => {
      assert.equal(matchesTagFilter(tags, { type: 'KEY_ONLY', key: 'toString' }), false);
    });
  });

  describe('#matchesTagFilters', () => {
    it('ORs the filters of a flat list', () => {
      const filters = [
        { type: 'KEY_AND_VALUE' as const, key: 'env', value: 'staging' },
        { type: 'VALUE_ONLY' as const, value: 'web' },
      ];
      assert.equal(matchesTagFilters(tags, filters), true);
    });

    it('selects nothing with an empty filter list', () => {
      assert.equal(matchesTagFilters(tags, []), false);
    });
  });

  describe('#selectByTags', () => {
    it('keeps matching items in their order', () => {
      const items = [
        { id: 1, tags: { env: 'prod' } },
        { id: 2, tags: { env: 'dev' } },
        { id: 3, tags: { env: 'prod' } },
      ];
      const picked = selectByTags(items, [{ type: 'KEY_AND_VALUE', key: 'env', value: 'prod' }]).map((i) => i.id);
      assert.deepEqual(picked, [1, 3]);
    });
  });
});

describe('tag sets and named instances', () => {
  const web = { type: 'KEY_AND_VALUE', key: 'role', value: 'web' } as const;
  const api = { type: 'KEY_AND_VALUE', key: 'role', value: 'api' } as const;
  const prod = { type: 'KEY_AND_VALUE', key: 'env', value: 'prod' } as const;
  const eu = { type: 'VALUE_ONLY', value: 'eu' } as const;

  it('matchesTagSet needs a match in every group (AND of ORs)', () => {
    assert.equal(matchesTagSet({ role: 'web', env: 'prod' }, [[web, api], [prod]]), true);
    assert.equal(matchesTagSet({ role: 'api', env: 'prod' }, [[web, api], [prod]]), true);
    assert.equal(matchesTagSet({ role: 'web', env: 'dev' }, [[web, api], [prod]]), false);
  });

  it('matchesTagSet with three groups needs all three', () => {
    assert.equal(matchesTagSet({ role: 'web', env: 'prod', site: 'eu' }, [[web], [prod], [eu]]), true);
    assert.equal(matchesTagSet({ role: 'web', env: 'prod', site: 'us' }, [[web], [prod], [eu]]), false);
  });

  it('matchesTagSet selects nothing with an empty set', () => {
    assert.equal(matchesTagSet({ role: 'web' }, []), false);
  });

  it('groupSelects uses the tag set instead of the flat list when one is given', () => {
    const selector = { tagFilters: [web], tagSet: [[api]], instanceNames: [] };
    assert.equal(groupSelects(selector, { instanceId: 'i-1', hostname: 'h1', tags: { role: 'web' } }), false);
    assert.equal(groupSelects(selector, { instanceId: 'i-1', hostname: 'h1', tags: { role: 'api' } }), true);
  });

  it('groupSelects includes an instance named by its id whatever its tags, and never by a hostname it declares', () => {
    const selector = { tagFilters: [web], instanceNames: ['i-NAMED', 'db-1'] };
    assert.equal(groupSelects(selector, { instanceId: 'i-NAMED', hostname: 'x', tags: {} }), true);
    assert.equal(groupSelects(selector, { instanceId: 'i-OTHER', hostname: 'db-1', tags: {} }), false);
  });
});
