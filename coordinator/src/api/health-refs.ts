/**
 * What a group's alarms and a configuration's analysis name must exist: an alarm names a health
 * check or (with an Alertmanager configured) an alert; an analysis names health checks only, and
 * a baseline comparison needs a prometheus check among them. A check in use cannot be deleted.
 */
import type { AlarmConfiguration, AnalysisOptions } from '../../../protocol/src/index.ts';
import type { Repositories } from '../store/store.ts';
import { FieldError } from './errors.ts';

/** Throws a 400 naming the first alarm that names nothing the coordinator can read. */
export async function assertAlarmsKnown(store: Repositories, config: AlarmConfiguration | undefined, field: string, alertmanager: boolean): Promise<void> {
  if (!config || alertmanager) return;
  for (const [i, alarm] of config.alarms.entries()) {
    if (await store.health.getCheck(alarm.name)) continue;
    throw new FieldError(
      'VALIDATION_FAILED',
      `${field}.alarms.${i}.name`,
      `${field}.alarms.${i}.name: no health check is named ${alarm.name}, and the coordinator has no Alertmanager (--alertmanager) to find an alert of that name in: create the check first (deckhand checks create)`,
    );
  }
}

/** Throws a 400 naming the first check of an analysis that does not exist, or a baseline without a prometheus check. */
export async function assertAnalysisKnown(store: Repositories, analysis: AnalysisOptions | undefined): Promise<void> {
  if (!analysis) return;
  const types: string[] = [];
  for (const [i, name] of analysis.checks.entries()) {
    const check = await store.health.getCheck(name);
    if (!check) throw new FieldError('VALIDATION_FAILED', `analysis.checks.${i}`, `analysis.checks.${i}: no health check is named ${name} (deckhand checks create)`);
    types.push(check.type);
  }
  if (analysis.baseline && !types.includes('prometheus')) {
    throw new FieldError('VALIDATION_FAILED', 'analysis.baseline', 'analysis.baseline: compares prometheus checks, and none of analysis.checks is one');
  }
}

/** Where a check is used, in words; empty when nowhere. */
export async function usesOfCheck(store: Repositories, name: string): Promise<string[]> {
  const uses: string[] = [];
  const groups = await store.health.listGroupAlarms();
  for (const [groupId, alarms] of groups) {
    if (!alarms.alarms.some((a) => a.name === name)) continue;
    const group = await store.groups.get(groupId);
    const app = group && (await store.applications.get(group.applicationId));
    uses.push(`the alarms of deployment group ${app?.name ?? '?'}/${group?.name ?? groupId}`);
  }
  for (const config of await store.configs.list()) {
    if (config.rollout.analysis?.checks.includes(name)) uses.push(`the analysis of deployment configuration ${config.name}`);
  }
  return uses;
}
