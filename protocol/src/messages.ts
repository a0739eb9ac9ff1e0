/**
 * Every frame exchanged between agent and coordinator over the WebSocket, and the one parser
 * both sides run at the socket boundary. A bad frame is an error value, never a throw.
 */
import type { FrameSignature } from './command-signing.ts';
import * as z from './zod.ts';
import type { WireError } from './errors.ts';
import { HOT_AGENT_BODIES, isHotFrame, type HotBodies } from './hot-frames.ts';
import { PROTOCOL_VERSION, isCompatibleVersion } from './version.ts';
import { ERROR_MESSAGE_MAX_CHARS, EVENT_TEXT_LIMITS, LOG_LINE_MAX_CHARS, LOG_LINES_PER_FRAME, MAX_FRAME_BYTES, PREFLIGHT_LIMITS } from './wire.ts';
import {
  CoordinatorKeySchema,
  DeploySpec,
  ErrorCodeSchema,
  Id,
  Inventory,
  LifecycleEventNameSchema,
  LifecycleEventStatusSchema,
  InstanceStatusSchema,
} from './schemas.ts';

const WireErrorSchema = z.strictObject({
  code: ErrorCodeSchema,
  message: z.string().check(z.maxLength(ERROR_MESSAGE_MAX_CHARS)),
  retryable: z.boolean(),
  details: z.optional(z.json()),
});

/** Most journal epochs an agent lists in its hello (and the coordinator keeps). */
export const JOURNAL_EPOCHS_MAX = 32;

/**
 * One run of the agent's journal: a random id given each time the agent opens its journal, and
 * the first outbox seq of that run. Two sides that name the same epochs for the same seqs have
 * the same history; a journal restored from a backup or a VM reverted starts a new epoch where
 * the coordinator saw another (README, "When a journal or the store goes back in time").
 */
const JournalEpoch = z.strictObject({ id: z.string().check(z.regex(/^[A-Za-z0-9_-]{8,64}$/)), firstSeq: z.number().check(z.int(), z.positive()) });

/** Where the agent's outbox stands, sent with each hello so both sides can resynchronise. */
const JournalPosition = z.strictObject({
  /** Latest runs of the journal, oldest first. */
  epochs: z.array(JournalEpoch).check(z.maxLength(JOURNAL_EPOCHS_MAX)),
  /** The highest seq ever handed out (0 when none). */
  lastSeq: z.number().check(z.int(), z.nonnegative()),
  /** The highest seq the coordinator acknowledged to this journal. */
  ackedThrough: z.number().check(z.int(), z.nonnegative()),
  /** The oldest seq the outbox still holds (acked rows are kept for a while, to send again). */
  firstKeptSeq: z.number().check(z.int(), z.positive()),
});

/** The agent greets the coordinator once per connection. */
const AgentHello = z.strictObject({
  instanceId: Id,
  agentVersion: z.string().check(z.maxLength(64)),
  inventory: Inventory,
  /** Absent from agents before journal resynchronisation. */
  journal: z.optional(JournalPosition),
});

/** Periodic refresh of host facts. */
const AgentInventory = z.strictObject({ inventory: Inventory });

/** The agent has journaled a command and will carry it out. */
const AgentCommandAck = z.strictObject({ commandId: Id });

/**
 * A journaled outcome from the agent's outbox. `seq` increases by one per instance; the
 * coordinator applies each (instance, seq) once and acknowledges the highest it applied.
 * With `lifecycleEvent` it reports one event; without, the host's overall result. hot-frames.ts
 * checks the same fields by hand (test/unit/protocol/hot-frames.test.ts keeps them in step).
 */
const AgentEvent = z.strictObject({
  seq: z.number().check(z.int(), z.positive()),
  commandId: Id,
  deploymentId: Id,
  lifecycleEvent: z.optional(LifecycleEventNameSchema),
  status: z.union([LifecycleEventStatusSchema, InstanceStatusSchema]),
  errorCode: z.optional(ErrorCodeSchema),
  message: z.optional(z.string().check(z.maxLength(EVENT_TEXT_LIMITS.message))),
  scriptName: z.optional(z.string().check(z.maxLength(EVENT_TEXT_LIMITS.scriptName))),
  logTail: z.optional(z.string().check(z.maxLength(EVENT_TEXT_LIMITS.logTail))),
  at: z.iso.datetime(),
});

/**
 * Hook output lines of one lifecycle event on this host. With `seq` (agents that ship their
 * scripts.log): the first line's number in the event's output on this host, the others
 * following one by one; the coordinator stores each (deployment, host, event, seq) once and
 * answers every such frame with coord.log.ack. Without `seq` (older agents): best effort, no ack.
 */
const AgentLog = z.strictObject({
  deploymentId: Id,
  lifecycleEvent: LifecycleEventNameSchema,
  lines: z
    .array(z.strictObject({ at: z.iso.datetime(), stream: z.enum(['stdout', 'stderr']), text: z.string().check(z.maxLength(LOG_LINE_MAX_CHARS)) }))
    .check(z.maxLength(LOG_LINES_PER_FRAME)),
  seq: z.optional(z.number().check(z.int(), z.positive())),
});

/** The coordinator accepts the connection and says where the agent's outbox stands. */
const CoordWelcome = z.strictObject({
  instanceId: Id,
  lastAppliedSeq: z.number().check(z.int(), z.nonnegative()),
  heartbeatMs: z.number().check(z.int(), z.positive()),
  /**
   * The keys the coordinator signs with now (the welcome is signed by each): an agent that
   * verifies it with a key it already trusts takes these as its trusted set (key rotation).
   */
  coordinatorKeys: z.optional(z.array(CoordinatorKeySchema).check(z.maxLength(16))),
  /**
   * The coordinator applied other events than this journal holds from `fromSeq` on (the journal
   * was restored or reverted): the agent renumbers its rows from `fromSeq` to start at `toSeq`,
   * and sends them as new.
   */
  rebase: z.optional(z.strictObject({ fromSeq: z.number().check(z.int(), z.positive()), toSeq: z.number().check(z.int(), z.positive()) })),
});

/** Run a deployment. `epoch` rises when the coordinator re-sends after a restart. */
const CoordCommand = z.strictObject({
  commandId: Id,
  deploymentId: Id,
  epoch: z.number().check(z.int(), z.nonnegative()),
  kind: z.literal('deploy'),
  deploy: DeploySpec,
});

/** Stop a deployment on this host; the running hook is killed. */
const CoordCancel = z.strictObject({ commandId: Id, deploymentId: Id });

/**
 * Check a revision against this host without running anything (`deckhand deploy --preflight`).
 * Best effort: neither side journals it; the coordinator gives up on a missing answer.
 */
const CoordPreflight = z.strictObject({
  requestId: Id,
  deploy: z.pick(DeploySpec, { applicationName: true, deploymentGroupName: true, deploymentGroupId: true, revision: true, fileExistsBehavior: true }),
});

/** The answer to one coord.preflight: every problem found, none when ok. Never journaled. */
const AgentPreflightResult = z.strictObject({
  requestId: Id,
  ok: z.boolean(),
  problems: z.array(z.string().check(z.maxLength(PREFLIGHT_LIMITS.problemChars))).check(z.maxLength(PREFLIGHT_LIMITS.problems)),
});

/**
 * The agent refused a frame that must be signed and was not validly (a proxy or an impostor
 * on the path): nothing of it ran. Best effort; the agent also journals it. Also sent, with
 * DISK_FULL and frameType coord.command, for a command the host cannot carry out because its
 * journal cannot be written: the coordinator fails the host by that code instead of waiting.
 */
const AgentCommandRefused = z.strictObject({
  frameType: z.string().check(z.maxLength(64)),
  commandId: z.optional(Id),
  deploymentId: z.optional(Id),
  errorCode: ErrorCodeSchema,
  message: z.string().check(z.maxLength(2048)),
});

/** Events up to and including `seq` are applied and may be dropped from the outbox. */
const CoordAck = z.strictObject({ seq: z.number().check(z.int(), z.nonnegative()) });

/**
 * The answer to one agent.log frame with `seq` (named by its frame id): the lines of this host's
 * (deployment, event) the coordinator holds, through `seq` (stored, or counted as cut by its
 * retention). `busy`: the frame was not taken (the coordinator's log intake is full); send it
 * again later. `refused`: the deployment does not target this host, or is gone; send no more of it.
 */
const CoordLogAck = z.strictObject({
  frameId: z.string().check(z.minLength(1), z.maxLength(64)),
  deploymentId: Id,
  lifecycleEvent: LifecycleEventNameSchema,
  seq: z.number().check(z.int(), z.nonnegative()),
  status: z.enum(['stored', 'busy', 'refused']),
});

export const AGENT_FRAME_BODIES = {
  'agent.hello': AgentHello,
  'agent.inventory': AgentInventory,
  'agent.command.ack': AgentCommandAck,
  'agent.event': AgentEvent,
  'agent.log': AgentLog,
  'agent.preflight.result': AgentPreflightResult,
  'agent.command.refused': AgentCommandRefused,
} as const;

export const COORD_FRAME_BODIES = {
  'coord.welcome': CoordWelcome,
  'coord.command': CoordCommand,
  'coord.cancel': CoordCancel,
  'coord.ack': CoordAck,
  'coord.log.ack': CoordLogAck,
  'coord.error': WireErrorSchema,
  'coord.preflight': CoordPreflight,
} as const;

type Bodies<T extends Record<string, z.ZodMiniType>> = { [K in keyof T]: z.infer<T[K]> };
export type AgentBodies = Bodies<typeof AGENT_FRAME_BODIES>;
export type CoordBodies = Bodies<typeof COORD_FRAME_BODIES>;
export type AgentFrameType = keyof AgentBodies;
export type CoordFrameType = keyof CoordBodies;

/**
 * Every frame is `{ v, type, id, ts, body }`; the coordinator's frames that make an agent act
 * also carry `sig`, its signatures (command-signing.ts).
 */
export interface Frame<T extends string, B> {
  v: number;
  type: T;
  id: string;
  ts: string;
  body: B;
  sig?: FrameSignature[];
}

export type AgentFrame = { [K in AgentFrameType]: Frame<K, AgentBodies[K]> }[AgentFrameType];
export type CoordFrame = { [K in CoordFrameType]: Frame<K, CoordBodies[K]> }[CoordFrameType];

export type AgentEventBody = AgentBodies['agent.event'];
export type AgentLogBody = AgentBodies['agent.log'];
/** Where an agent's outbox stands (agent.hello's `journal`). */
export type JournalPositionBody = NonNullable<AgentBodies['agent.hello']['journal']>;
/** One run of an agent's journal. */
export type JournalEpochBody = JournalPositionBody['epochs'][number];
/** A welcome's instruction to renumber the outbox. */
export type RebaseBody = NonNullable<CoordBodies['coord.welcome']['rebase']>;
export type LogAckBody = CoordBodies['coord.log.ack'];
export type CommandBody = CoordBodies['coord.command'];
export type PreflightRequestBody = CoordBodies['coord.preflight'];
export type PreflightResultBody = AgentBodies['agent.preflight.result'];

const Envelope = z.strictObject({
  v: z.number().check(z.int()),
  type: z.string().check(z.maxLength(64)),
  id: z.string().check(z.minLength(1), z.maxLength(64)),
  ts: z.iso.datetime(),
  body: z.unknown(),
  sig: z.optional(
    z.array(z.strictObject({ keyId: z.string().check(z.maxLength(64)), value: z.string().check(z.maxLength(200)) })).check(z.maxLength(8)),
  ),
});

/** Result of parsing one inbound frame. */
export type ParseResult<F> = { ok: true; frame: F } | { ok: false; error: WireError };

function fail(code: WireError['code'], message: string): { ok: false; error: WireError } {
  return { ok: false, error: { code, message, retryable: false } };
}

function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

function parseWith<F>(raw: string | Buffer, bodies: Record<string, z.ZodMiniType>, hot: HotBodies = {}): ParseResult<F> {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > MAX_FRAME_BYTES) return fail('PROTOCOL_FRAME_TOO_LARGE', `frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    return fail('PROTOCOL_INVALID_FRAME', `frame is not JSON: ${(err as Error).message}`);
  }
  // The hot path only accepts; anything it is unsure of is judged (and refused) by zod below.
  if (isHotFrame(json, hot)) return { ok: true, frame: json as F };
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) return fail('PROTOCOL_INVALID_FRAME', `bad envelope: ${describeIssues(envelope.error)}`);
  const { v, type } = envelope.data;
  if (!isCompatibleVersion(v)) {
    return fail('PROTOCOL_VERSION_MISMATCH', `protocol version ${v} is not supported (this side speaks ${PROTOCOL_VERSION})`);
  }
  const schema = Object.hasOwn(bodies, type) ? bodies[type] : undefined;
  if (!schema) return fail('PROTOCOL_UNKNOWN_TYPE', `unknown frame type "${type}"`);
  const body = schema.safeParse(envelope.data.body);
  if (!body.success) return fail('PROTOCOL_INVALID_FRAME', `bad ${type} body: ${describeIssues(body.error)}`);
  return { ok: true, frame: { ...envelope.data, body: body.data } as F };
}

/** Parses a frame the coordinator received from an agent. */
export function parseAgentFrame(raw: string | Buffer): ParseResult<AgentFrame> {
  return parseWith<AgentFrame>(raw, AGENT_FRAME_BODIES, HOT_AGENT_BODIES);
}

/** Parses a frame the agent received from the coordinator. */
export function parseCoordFrame(raw: string | Buffer): ParseResult<CoordFrame> {
  return parseWith<CoordFrame>(raw, COORD_FRAME_BODIES);
}

/** Builds a frame to send; `id` must be unique per sender (a random id or a sequence). */
export function makeFrame<T extends string, B>(type: T, id: string, body: B, now: Date = new Date()): Frame<T, B> {
  return { v: PROTOCOL_VERSION, type, id, ts: now.toISOString(), body };
}
