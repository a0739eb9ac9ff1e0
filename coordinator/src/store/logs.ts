/**
 * Hook output, kept per deployment: every line an agent sends, numbered per host and lifecycle
 * event by the agent (`seq`) and per deployment by the store in the order lines were stored
 * (`cursor`, what readers page and follow by). Each (deployment, host, event, seq) is kept once,
 * in order and without gaps; lines past the deployment's byte cap are not kept but counted.
 */

/** One line as an agent sends it. */
export interface NewLogLine {
  at: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Lines of one host's lifecycle event, from one agent.log frame. */
export interface LogAppend {
  deploymentId: string;
  instanceId: string;
  lifecycleEvent: string;
  /** The first line's seq; undefined (agents without seq): the lines follow what is held. */
  seq?: number | undefined;
  lines: readonly NewLogLine[];
  /** UTF-8 bytes of each line's text, in order (the caller counts them once). */
  bytes: readonly number[];
}

/** What appending did. `through`: the host's event holds every seq up to it (kept or cut). */
export type LogAppendResult =
  | { status: 'stored'; through: number; kept: number; cut: number; keptBytes?: number }
  | { status: 'refused'; reason: string };

/** One stored line. */
export interface LogLineRecord {
  cursor: number;
  instanceId: string;
  hostname: string;
  lifecycleEvent: string;
  seq: number;
  at: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Which lines to read: after `after` (a cursor), optionally of one host and one event. */
export interface LogQuery {
  deploymentId: string;
  after: number;
  limit: number;
  instanceId?: string;
  lifecycleEvent?: string;
}

/** What is held of one host's lifecycle event. */
export interface LogStreamRecord {
  instanceId: string;
  lifecycleEvent: string;
  /** Highest seq received (kept or cut). */
  through: number;
  lines: number;
  bytes: number;
  cutLines: number;
  cutBytes: number;
}

/** A deployment's log as a whole. */
export interface DeploymentLogRecord {
  bytes: number;
  /** The cursor of the last line stored (0: none). */
  lastCursor: number;
  /** Set once its lines were deleted for their age. */
  expiredAt?: string;
}

/** Reads and writes hook output. */
export interface LogRepository {
  /**
   * Appends one frame's lines: lines already held are skipped, lines past `maxBytes` of the
   * deployment's log are counted as cut. A frame whose first seq would leave a gap stores nothing
   * (through stays where it was). Refused when the deployment does not target the host.
   */
  append(input: LogAppend, maxBytes: number): Promise<LogAppendResult>;
  /** Lines of the query, by cursor. */
  read(query: LogQuery): Promise<LogLineRecord[]>;
  /** What is held of each host's events that had lines cut, by host and event. */
  cutStreams(deploymentId: string): Promise<LogStreamRecord[]>;
  /** The deployment's log as a whole; undefined when nothing was ever sent for it. */
  summary(deploymentId: string): Promise<DeploymentLogRecord | undefined>;
  /**
   * Deletes up to `limit` lines of deployments that finished before `before`, oldest first,
   * marking a deployment's log expired at `at` once it has none left. Returns how many it deleted.
   */
  expire(before: string, limit: number, at: string): Promise<number>;
}
