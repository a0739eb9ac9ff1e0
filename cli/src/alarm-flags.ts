/**
 * The alarm flags shared by `groups create`, `deploy` and `rollback`: `--alarm NAME`
 * (repeatable), `--ignore-poll-alarm-failure` and `--no-alarms` (an override with alarms off).
 */
import type { AlarmConfiguration } from '../../protocol/src/health.ts';
import { UsageError } from './errors.ts';

/** parseArgs options of the alarm flags. */
export const ALARM_OPTIONS = {
  alarm: { type: 'string', multiple: true },
  'ignore-poll-alarm-failure': { type: 'boolean', default: false },
  'no-alarms': { type: 'boolean', default: false },
} as const;

/** Help lines of the alarm flags. */
export const ALARM_HELP = `  --alarm NAME          an alarm: a health check's name, or an Alertmanager alert's; repeatable
                        (at most 10). Polled while a deployment runs: one in alarm stops it
                        (ALARM_ACTIVE)
  --ignore-poll-alarm-failure
                        carry on when an alarm's state cannot be read (default: stop)`;

/** The alarm configuration the flags ask for, or undefined when they name none. */
export function alarmConfiguration(
  values: { alarm?: string[] | undefined; 'ignore-poll-alarm-failure'?: boolean | undefined; 'no-alarms'?: boolean | undefined },
  usage: string,
): AlarmConfiguration | undefined {
  const names = values.alarm ?? [];
  if (values['no-alarms']) {
    if (names.length > 0) throw new UsageError('--no-alarms and --alarm exclude each other', usage);
    return { enabled: false, ignorePollAlarmFailure: false, alarms: [] };
  }
  if (names.length === 0) {
    if (values['ignore-poll-alarm-failure']) throw new UsageError('--ignore-poll-alarm-failure needs --alarm', usage);
    return undefined;
  }
  return { enabled: true, ignorePollAlarmFailure: values['ignore-poll-alarm-failure'] === true, alarms: names.map((name) => ({ name })) };
}
