import assert from 'node:assert/strict';
import { matchesTagFilter, matchesTagFilters, selectByTags } from '../../../../coordinator/src/scheduler/tag-filters.ts';

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
