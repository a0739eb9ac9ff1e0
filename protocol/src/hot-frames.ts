/**
 * A hand-written check for the frame the coordinator receives most: agent.event, 15 per host per
 * deployment (150,000 for a 10,000-host fleet), where zod's parse cost about a tenth of the
 * coordinator's CPU. It only ever accepts: a frame it is not sure of goes on to the zod schemas
 * in messages.ts, so every refusal and its message comes from there, unchanged. It accepts no
 * frame the schemas would refuse (test/unit/protocol/hot-frames.test.ts checks both agree).
 */
import * as z from './zod.ts';
import { isCompatibleVersion } from './version.ts';
import { ID_PATTERN, LIFECYCLE_EVENT_NAME_PATTERN } from './schemas.ts';
import { AGENT_ERROR_CODES, DEPLOYMENT_ERROR_CODES, LIFECYCLE_ERROR_CODES } from './errors.ts';
import { INSTANCE_STATUSES, LIFECYCLE_EVENT_STATUSES } from './status.ts';
import { EVENT_TEXT_LIMITS } from './wire.ts';

/** A check of one field's value; `required` fields must be present. */
interface FieldCheck {
  required: boolean;
  ok(value: unknown): boolean;
}

/** A body's or envelope's fields, and how many of them are required. */
interface Shape {
  fields: Readonly<Record<string, FieldCheck>>;
  required: number;
}

function shape(fields: Readonly<Record<string, FieldCheck>>): Shape {
  return { fields, required: Object.values(fields).filter((f) => f.required).length };
}

const STATUSES: ReadonlySet<unknown> = new Set([...LIFECYCLE_EVENT_STATUSES, ...INSTANCE_STATUSES]);
const ERROR_CODES: ReadonlySet<unknown> = new Set([...LIFECYCLE_ERROR_CODES, ...DEPLOYMENT_ERROR_CODES, ...AGENT_ERROR_CODES]);
/** The pattern z.iso.datetime() tests (no offset, any precision), from zod itself. */
const ISO_DATETIME = z.regexes.datetime({});

function isInstant(value: unknown): boolean {
  return typeof value === 'string' && ISO_DATETIME.test(value);
}

const required = (ok: (value: unknown) => boolean): FieldCheck => ({ required: true, ok });
const optional = (ok: (value: unknown) => boolean): FieldCheck => ({ required: false, ok });
const text = (max: number) => (value: unknown): boolean => typeof value === 'string' && value.length <= max;
const matches = (pattern: RegExp) => (value: unknown): boolean => typeof value === 'string' && pattern.test(value);

const ENVELOPE = shape({
  v: required((value) => Number.isSafeInteger(value) && isCompatibleVersion(value as number)),
  type: required(text(64)),
  id: required((value) => typeof value === 'string' && value.length >= 1 && value.length <= 64),
  ts: required(isInstant),
  body: required((value) => typeof value === 'object' && value !== null && !Array.isArray(value)),
});

/** The same fields and limits as AgentEvent in messages.ts. */
export const AGENT_EVENT_FIELDS = shape({
  seq: required((value) => Number.isSafeInteger(value) && (value as number) > 0),
  commandId: required(matches(ID_PATTERN)),
  deploymentId: required(matches(ID_PATTERN)),
  lifecycleEvent: optional(matches(LIFECYCLE_EVENT_NAME_PATTERN)),
  status: required((value) => STATUSES.has(value)),
  errorCode: optional((value) => ERROR_CODES.has(value)),
  message: optional(text(EVENT_TEXT_LIMITS.message)),
  scriptName: optional(text(EVENT_TEXT_LIMITS.scriptName)),
  logTail: optional(text(EVENT_TEXT_LIMITS.logTail)),
  at: required(isInstant),
});

/** Frame types with a hand-written check, by the shape of their body. */
export type HotBodies = Readonly<Record<string, Shape>>;

/** The agent frames with a hand-written check. */
export const HOT_AGENT_BODIES: HotBodies = { 'agent.event': AGENT_EVENT_FIELDS };

/** True when `value` has only known fields, each valid, and every required one. */
function fits(value: object, { fields, required: needed }: Shape): boolean {
  let present = 0;
  for (const key in value) {
    const check = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!check || !check.ok((value as Record<string, unknown>)[key])) return false;
    if (check.required) present += 1;
  }
  return present === needed;
}

/**
 * True when `json` (a parsed frame) is a well-formed frame of a type in `hot`, which the zod
 * schemas would accept as it is; false means "not sure", never "bad".
 */
export function isHotFrame(json: unknown, hot: HotBodies): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const type = (json as { type?: unknown }).type;
  const body = typeof type === 'string' && Object.hasOwn(hot, type) ? hot[type] : undefined;
  return body !== undefined && fits(json, ENVELOPE) && fits((json as { body: object }).body, body);
}
