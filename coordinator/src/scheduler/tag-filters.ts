/**
 * CodeDeploy's tag filter semantics for a flat filter list: an instance is selected when it
 * matches ANY filter (CodeDeploy's `onPremisesInstanceTagFilters`). An empty list selects no
 * instance, as in CodeDeploy, where a group without filters deploys to nothing.
 */
import type { TagFilter, Tags } from '../../../protocol/src/index.ts';

/** True when an instance carrying `tags` matches this one filter. */
export function matchesTagFilter(tags: Tags, filter: TagFilter): boolean {
  switch (filter.type) {
    case 'KEY_ONLY':
      return filter.key !== undefined && Object.hasOwn(tags, filter.key);
    case 'VALUE_ONLY':
      return filter.value !== undefined && Object.values(tags).includes(filter.value);
    case 'KEY_AND_VALUE':
      return (
        filter.key !== undefined &&
        filter.value !== undefined &&
        Object.hasOwn(tags, filter.key) &&
        tags[filter.key] === filter.value
      );
  }
}

/** True when `tags` matches at least one of `filters` (OR semantics). */
export function matchesTagFilters(tags: Tags, filters: readonly TagFilter[]): boolean {
  return filters.some((f) => matchesTagFilter(tags, f));
}

/** The items whose tags match the filters, in their original order. */
export function selectByTags<T extends { tags: Tags }>(items: readonly T[], filters: readonly TagFilter[]): T[] {
  return items.filter((item) => matchesTagFilters(item.tags, filters));
}
