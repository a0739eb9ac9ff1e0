/**
 * Wire constants: the numbers and paths both ends of a connection must agree on. Each is defined
 * here once; the schemas (messages.ts), the hand-written hot-frame check (hot-frames.ts), the
 * agent that trims what it sends and the coordinator that listens all read them from here.
 */

/** The path of the coordinator's WebSocket endpoint for agents (signed upgrade). */
export const AGENT_CONNECT_PATH = '/v1/agent/connect';

/**
 * The heartbeat interval (ws ping) an agent assumes until the coordinator's coord.welcome names
 * the one it uses, and the coordinator's own default.
 */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** Frames larger than this are refused before parsing. Both ends' ws maxPayload use the same. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Longest text fields of an agent.event, in characters. The agent trims to these before it
 * journals an event (a log tail keeps its end), so a long message never makes a frame invalid.
 */
export const EVENT_TEXT_LIMITS = { message: 8192, scriptName: 1024, logTail: 8192 } as const;

/** Longest message of a coord.error / WireError, in characters. */
export const ERROR_MESSAGE_MAX_CHARS = 8192;

/** Longest line of hook output in an agent.log frame, in characters. */
export const LOG_LINE_MAX_CHARS = 16_384;

/** At most this many lines in one agent.log frame. */
export const LOG_LINES_PER_FRAME = 1000;

/**
 * The most line text (UTF-8 bytes, before JSON escaping) an agent puts in one agent.log frame:
 * with the worst escaping (six bytes per control character) a frame stays under MAX_FRAME_BYTES.
 */
export const LOG_FRAME_TEXT_BYTES = 128 * 1024;

/** An agent.preflight.result lists at most this many problems, each at most this long. */
export const PREFLIGHT_LIMITS = { problems: 200, problemChars: 4096 } as const;
