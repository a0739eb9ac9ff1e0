/** The flags of the `groups` subcommands, shared by groups.ts and groups-manage.ts. */
import type { TrafficFlags } from './groups-traffic.ts';

/** The flags of every groups subcommand, as parseArgs returns them. */
export interface GroupFlagValues extends GroupFlags, TrafficFlags {
  application?: string | undefined;
  name?: string | undefined;
  tag?: string[] | undefined;
  config?: string | undefined;
  'auto-deploy'?: boolean | undefined;
  'no-auto-rollback'?: boolean | undefined;
  json: boolean;
  url?: string | undefined;
  token?: string | undefined;
  'ca-file'?: string | undefined;
  'ca-sha256'?: string | undefined;
}

/** The flags of the group settings other than traffic. */
export interface GroupFlags {
  'tag-set'?: string[] | undefined;
  instance?: string[] | undefined;
  'auto-rollback'?: string | undefined;
  'agent-wait'?: string | undefined;
  'event-timeout'?: string | undefined;
  'no-auto-deploy'?: boolean | undefined;
  alarm?: string[] | undefined;
  'ignore-poll-alarm-failure'?: boolean | undefined;
  'confirm-above'?: string | undefined;
}
