/**
 * Which instances a deployment group selects, with CodeDeploy's semantics: a flat filter list
 * is an OR (`onPremisesInstanceTagFilters`: any filter matches); a tag set is an AND of up to
 * three OR-groups (`onPremisesTagSet`: at least one filter of every group matches). Instances
 * named explicitly (by id or hostname) are selected too. An empty selector selects nothing, as
 * in CodeDeploy, where a group without filters deploys to no instance.
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

/** True when `tags` matches at least one filter of every group of a non-empty tag set. */
export function matchesTagSet(tags: Tags, tagSet: readonly (readonly TagFilter[])[]): boolean {
  return tagSet.length > 0 && tagSet.every((group) => matchesTagFilters(tags, group));
}

/** The items whose tags match the filters, in their original order. */
export function selectByTags<T extends { tags: Tags }>(items: readonly T[], filters: readonly TagFilter[]): T[] {
  return items.filter((item) => matchesTagFilters(item.tags, filters));
}

/** How a deployment group picks its instances. */
export interface GroupSelector {
  tagFilters: readonly TagFilter[];
  /** When set, used instead of tagFilters (the two are exclusive). */
  tagSet?: readonly (readonly TagFilter[])[];
  /** Instance ids always in the group (names are resolved to ids when the group is saved). */
  instanceNames: readonly string[];
}

/** An instance as the selector sees it. */
export interface Selectable {
  instanceId: string;
  hostname: string;
  tags: Tags;
}

/** True when the group selects the instance, by name or by tags. */
export function groupSelects(selector: GroupSelector, instance: Selectable): boolean {
  // Names were resolved to instance ids when the group was saved (api/instance-names.ts).
  if (selector.instanceNames.includes(instance.instanceId)) return true;
  return selector.tagSet === undefined ? matchesTagFilters(instance.tags, selector.tagFilters) : matchesTagSet(instance.tags, selector.tagSet);
}

/** The instances the group selects, in their original order. */
export function selectForGroup<T extends Selectable>(items: readonly T[], selector: GroupSelector): T[] {
  return items.filter((item) => groupSelects(selector, item));
}
