/**
 * What the hub does with each frame an authenticated agent sends. A bad frame gets a
 * coord.error and never a crash; a version mismatch also closes the session. Frames are handled
 * in arrival order: events and command acks in bursts (event-batch.ts), any other frame after
 * the burst received before it.
 */
import { parseAgentFrame, type AgentBodies, type AgentFrame } from '../../../protocol/src/index.ts';
import { clampAgentTime } from './agent-time.ts';
import { resyncAtHello } from './resync.ts';
import type { FrameContext, Session } from './session.ts';

/** Parses and handles one raw frame. Never throws. */
export function handleAgentFrame(ctx: FrameContext, session: Session, raw: Buffer): void {
  const parsed = parseAgentFrame(raw);
  if (!parsed.ok) {
    // Rate-limited per host: a host sending bad frames in a loop must not fill the log.
    ctx.warnings.warn(session.instanceId, 'bad agent frame', { errorCode: parsed.error.code, reason: parsed.error.message });
    ctx.send(session, 'coord.error', parsed.error);
    if (parsed.error.code === 'PROTOCOL_VERSION_MISMATCH') session.ws.close(1002, 'protocol version mismatch');
    return;
  }
  const frame = parsed.frame;
  if (frame.type === 'agent.event') {
    const time = clampAgentTime(frame.body.at, ctx.clock.now());
    if (time.agentAt !== undefined) ctx.warnings.warn(session.instanceId, 'agent event time outside the allowed clock skew; stored clamped', { agentAt: time.agentAt, at: time.at });
    const body = { ...frame.body, ...time };
    ctx.metrics?.agentEvent(session.instanceId, body);
    return ctx.events.add(ctx, session, body);
  }
  if (frame.type === 'agent.command.ack') return ctx.events.addCommandAck(ctx, session, frame.body.commandId);
  // Hook output is independent of events: it is written on its own, bounded by bytes.
  if (frame.type === 'agent.log') return ctx.logs.add(session, frame.id, frame.body, raw.length);
  if (frame.type === 'agent.hello') {
    session.helloReceived = true;
    // Its host's frames received before it are applied first; other hosts' need not be.
    return ctx.events.greet(ctx, session, () => handleFrame(ctx, session, frame));
  }
  // Any other frame sees every event received before it applied, as if handled one by one.
  ctx.events.after(ctx, session, () => handleFrame(ctx, session, frame));
}

async function handleFrame(ctx: FrameContext, session: Session, frame: AgentFrame): Promise<void> {
  try {
    await dispatchFrame(ctx, session, frame);
  } catch (err) {
    ctx.log.error('handling agent frame failed', { instanceId: session.instanceId, type: frame.type, err });
    // Internal details (SQL, paths) stay in our log; the agent may retry later.
    ctx.send(session, 'coord.error', { code: 'INTERNAL', message: `could not handle ${frame.type}`, retryable: true });
  }
}

async function dispatchFrame(ctx: FrameContext, session: Session, frame: AgentFrame): Promise<void> {
  switch (frame.type) {
    case 'agent.hello':
      return onHello(ctx, session, frame.body);
    case 'agent.inventory':
      return ctx.store.instances.touch(session.instanceId, { lastSeen: nowIso(ctx), inventory: frame.body.inventory });
    case 'agent.preflight.result':
      return ctx.preflights.receive(session.instanceId, frame.body);
    case 'agent.command.refused':
      return onRefused(ctx, session, frame.body);
    case 'agent.traffic.request':
      return ctx.traffic?.trafficRequested(session.instanceId, frame.body);
    case 'agent.traffic.applied':
      return ctx.trafficApplies.receive(session.instanceId, frame.body);
    case 'agent.event':
    case 'agent.command.ack':
    case 'agent.log':
      // Handled in bursts (handleAgentFrame); never queued here.
      return;
  }
}

async function onHello(ctx: FrameContext, session: Session, body: AgentBodies['agent.hello']): Promise<void> {
  if (body.instanceId !== session.instanceId) {
    ctx.send(session, 'coord.error', {
      code: 'AUTH_FAILED',
      message: 'hello names another instance than the one that signed the connection',
      retryable: false,
    });
    session.ws.close(1008, 'instance mismatch');
    return;
  }
  await ctx.store.instances.touch(session.instanceId, { lastSeen: nowIso(ctx), agentVersion: body.agentVersion, inventory: body.inventory });
  const position = await resyncAtHello(ctx, session.instanceId, body.journal);
  session.greeted = true;
  ctx.send(session, 'coord.welcome', { instanceId: session.instanceId, ...position, heartbeatMs: ctx.heartbeatMs });
  await ctx.sink?.agentConnected?.(session.instanceId);
  for (const command of (await ctx.sink?.unackedCommands(session.instanceId)) ?? []) {
    ctx.log.info('re-sending unacknowledged command', { instanceId: session.instanceId, commandId: command.commandId });
    ctx.send(session, 'coord.command', command);
  }
}

/**
 * The agent refused a frame that was not validly signed: something on the path (a proxy, an
 * impostor) altered or forged it. Loud, and the host's command fails with the agent's code.
 */
async function onRefused(ctx: FrameContext, session: Session, body: AgentBodies['agent.command.refused']): Promise<void> {
  const what = body.errorCode === 'DISK_FULL' ? 'agent cannot carry out a command (disk full on the host)' : 'agent refused a coordinator frame';
  const { message: reason, ...fields } = body;
  ctx.log.error(what, { instanceId: session.instanceId, ...fields, reason });
  if (body.commandId !== undefined) await ctx.sink?.commandRefused?.(session.instanceId, body.commandId, body.errorCode, body.message);
}

function nowIso(ctx: FrameContext): string {
  return ctx.clock.now().toISOString();
}
