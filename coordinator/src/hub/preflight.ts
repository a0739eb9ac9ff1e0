/**
 * Preflight requests in flight: the hub sends coord.preflight to each host and gathers the
 * agent.preflight.result answers until all are in or the timeout passes. Best effort, kept in
 * memory only: nothing is journaled, and a coordinator restart forgets the request.
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import { newId } from '../../../common/src/ids.ts';
import type { PreflightRequestBody, PreflightResultBody } from '../../../protocol/src/index.ts';

/** One host's answer; `offline` when the request could not be sent, `timeout` when none came. */
export type PreflightAnswer = { ok: boolean; problems: string[] } | 'offline' | 'timeout';

interface Pending {
  revisionId: string;
  answers: Map<string, PreflightAnswer>;
  waiting: Set<string>;
  timer: TimerHandle;
  done: () => void;
}

/** Tracks the hub's open preflight requests. */
export class PreflightRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly clock: Clock) {}

  /**
   * Sends the request to every host with `send` (false: not connected) and resolves with each
   * host's answer once all answered or `timeoutMs` passed.
   */
  ask(
    instanceIds: readonly string[],
    deploy: PreflightRequestBody['deploy'],
    timeoutMs: number,
    send: (instanceId: string, body: PreflightRequestBody) => boolean,
  ): Promise<Map<string, PreflightAnswer>> {
    const requestId = newId('pf', 12);
    return new Promise((resolve) => {
      const answers = new Map<string, PreflightAnswer>();
      const waiting = new Set<string>();
      const done = (): void => {
        this.clock.clearTimeout(entry.timer);
        this.pending.delete(requestId);
        for (const id of waiting) answers.set(id, 'timeout');
        resolve(new Map(instanceIds.map((id) => [id, answers.get(id) ?? 'timeout'])));
      };
      const entry: Pending = { revisionId: deploy.revision.revisionId, answers, waiting, done, timer: this.clock.setTimeout(() => done(), timeoutMs) };
      this.pending.set(requestId, entry);
      for (const id of new Set(instanceIds)) {
        if (send(id, { requestId, deploy })) waiting.add(id);
        else answers.set(id, 'offline');
      }
      if (waiting.size === 0) done();
    });
  }

  /** Records a host's answer; answers to unknown or finished requests, or from hosts not asked, are dropped. */
  receive(instanceId: string, body: PreflightResultBody): void {
    const entry = this.pending.get(body.requestId);
    if (!entry?.waiting.delete(instanceId)) return;
    entry.answers.set(instanceId, { ok: body.ok, problems: body.problems });
    if (entry.waiting.size === 0) entry.done();
  }

  /** True while `instanceId` is asked to check `revisionId` and has not answered (it may download it). */
  isChecking(instanceId: string, revisionId: string): boolean {
    for (const entry of this.pending.values()) if (entry.revisionId === revisionId && entry.waiting.has(instanceId)) return true;
    return false;
  }

  /** Ends every open request now (shutdown): hosts that did not answer count as timed out. */
  closeAll(): void {
    for (const entry of [...this.pending.values()]) entry.done();
  }
}
