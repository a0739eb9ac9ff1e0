/**
 * What the hub does with each frame an authenticated agent sends. A bad frame gets a
 * coord.error and never a crash; a version mismatch also closes the session.
 */
import { parseAgentFrame, type AgentBodies, type AgentFrame } from '../../../protocol/src/index.ts';
import { lastAppliedSeq, touchInstance } from '../store/instances.ts';
import type { FrameContext, Session } from './session.ts';

/** Parses and handles one raw frame. Never throws. */
export function handleAgentFrame(ctx: FrameContext, session: Session, raw: Buffer): void {
  const parsed = parseAgentFrame(raw);
  if (!parsed.ok) {
    ctx.log.warn('bad agent frame', { instanceId: session.instanceId, errorCode: parsed.error.code, reason: parsed.error.message });
    ctx.send(session, 'coord.error', parsed.error);
    if (parsed.error.code === 'PROTOCOL_VERSION_MISMATCH') session.ws.close(1002, 'protocol version mismatch');
    return;
  }
  try {
    dispatchFrame(ctx, session, parsed.frame);
  } catch (err) {
    ctx.log.error('handling agent frame failed', { instanceId: session.instanceId, type: parsed.frame.type, err });
    // Internal details (SQL, paths) stay in our log; the agent may retry later.
    ctx.send(session, 'coord.error', { code: 'INTERNAL', message: `could not handle ${parsed.frame.type}`, retryable: true });
  }
}

function dispatchFrame(ctx: FrameContext, session: Session, frame: AgentFrame): void {
  if (frame.type === 'agent.event') return ctx.events.add(ctx, session, frame.body);
  if (frame.type === 'agent.command.ack') return ctx.events.addCommandAck(ctx, session, frame.body.commandId);
  // Any other frame sees every event received before it applied, as if handled one by one.
  ctx.events.flush(ctx);
  switch (frame.type) {
    case 'agent.hello':
      return onHello(ctx, session, frame.body);
    case 'agent.inventory':
      touchInstance(ctx.db, session.instanceId, { lastSeen: nowIso(ctx), inventory: frame.body.inventory });
      return;
    case 'agent.log':
      return onLog(ctx, session, frame.body);
    case 'agent.preflight.result':
      return ctx.preflights.receive(session.instanceId, frame.body);
  }
}

function onHello(ctx: FrameContext, session: Session, body: AgentBodies['agent.hello']): void {
  if (body.instanceId !== session.instanceId) {
    ctx.send(session, 'coord.error', {
      code: 'AUTH_FAILED',
      message: 'hello names another instance than the one that signed the connection',
      retryable: false,
    });
    session.ws.close(1008, 'instance mismatch');
    return;
  }
  touchInstance(ctx.db, session.instanceId, { lastSeen: nowIso(ctx), agentVersion: body.agentVersion, inventory: body.inventory });
  session.greeted = true;
  ctx.send(session, 'coord.welcome', { instanceId: session.instanceId, lastAppliedSeq: lastAppliedSeq(ctx.db, session.instanceId), heartbeatMs: ctx.heartbeatMs });
  ctx.sink?.agentConnected?.(session.instanceId);
  for (const command of ctx.sink?.unackedCommands(session.instanceId) ?? []) {
    ctx.log.info('re-sending unacknowledged command', { instanceId: session.instanceId, commandId: command.commandId });
    ctx.send(session, 'coord.command', command);
  }
}

function onLog(ctx: FrameContext, session: Session, body: AgentBodies['agent.log']): void {
  ctx.logs.append(
    body.deploymentId,
    body.lines.map((l) => ({ instanceId: session.instanceId, lifecycleEvent: body.lifecycleEvent, ...l })),
  );
}

function nowIso(ctx: FrameContext): string {
  return ctx.clock.now().toISOString();
}
