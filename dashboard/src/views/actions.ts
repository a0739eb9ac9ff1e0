/**
 * What can be done to a deployment from its page: stop, pause, resume, approve, roll back. Only a
 * session whose role may deploy sees the buttons, and only those the deployment's state allows;
 * each asks for confirmation and shows the API's answer (its own words, also on a refusal).
 */
import type { DeploymentSummary } from '../../../protocol/src/index.ts';
import { api, ApiError } from '../api.ts';
import { confirmAction } from '../confirm.ts';
import { fill, h } from '../dom.ts';
import { seg } from '../router.ts';
import { may } from '../session.ts';

interface Action {
  label: string;
  question: string;
  run(): Promise<unknown>;
  /** Words for the answer. */
  said(answer: unknown): string;
}

const FINISHED = new Set(['Succeeded', 'Failed', 'Stopped']);

function actionsOf(d: DeploymentSummary): Action[] {
  const id = seg(d.deploymentId);
  const post = (path: string, body: unknown = {}) => () => api('POST', path, body);
  const rollout = (answer: unknown): string => {
    const r = (answer as { rollout?: { step: number; steps: number; paused: boolean; waitingFor?: string } }).rollout;
    return r ? `step ${r.step} of ${r.steps}${r.paused ? ', paused' : ''}${r.waitingFor ? `, waiting for ${r.waitingFor}` : ''}` : 'done';
  };
  const out: Action[] = [];
  if (!FINISHED.has(d.status)) {
    out.push({ label: 'Stop', question: `Stop deployment ${d.deploymentId}? Hosts running a hook finish it; no other host starts.`, run: post(`/v1/deployments/${id}/stop`), said: (a) => (a as { statusMessage?: string }).statusMessage ?? 'stopping' });
  }
  const r = d.rollout;
  if (d.status === 'InProgress' && r && !r.paused) out.push({ label: 'Pause', question: `Pause deployment ${d.deploymentId}? Running hosts finish, no new host starts until it is resumed.`, run: post(`/v1/deployments/${id}/pause`), said: rollout });
  if (r?.paused) out.push({ label: 'Resume', question: `Resume deployment ${d.deploymentId}?`, run: post(`/v1/deployments/${id}/resume`), said: rollout });
  if (r?.waitingFor === 'approval') out.push({ label: 'Approve', question: `Approve deployment ${d.deploymentId}: let it go on past its first batch?`, run: post(`/v1/deployments/${id}/approve`), said: rollout });
  if (FINISHED.has(d.status)) {
    const group = `/v1/applications/${seg(d.applicationName)}/deployment-groups/${seg(d.deploymentGroupName)}/rollback`;
    out.push({ label: 'Roll back', question: `Deploy the last successful revision of ${d.applicationName}/${d.deploymentGroupName} again?`, run: post(group, { description: `rollback from the dashboard after ${d.deploymentId}` }), said: (a) => `rollback deployment ${(a as { deploymentId?: string }).deploymentId ?? ''} created` });
  }
  return out;
}

/** The action bar of a deployment page; `update` redraws it for a new summary. */
export class ActionBar {
  readonly el = h('div', { class: 'actions' });
  readonly answer = h('p', { class: 'answer', role: 'status' });
  private drawn = '';

  update(d: DeploymentSummary): void {
    if (!may('deploy')) return;
    const actions = actionsOf(d);
    const key = actions.map((a) => a.label).join();
    // Redrawn only when the set changes, so a focused button is not replaced under the user.
    if (key === this.drawn) return;
    this.drawn = key;
    fill(this.el, actions.map((a) => h('button', { type: 'button', class: a.label === 'Stop' ? 'danger' : '', onclick: () => void this.run(a) }, a.label)));
  }

  private async run(a: Action): Promise<void> {
    if (!(await confirmAction(`${a.label}?`, a.question, a.label))) return;
    this.answer.className = 'answer';
    this.answer.textContent = `${a.label}: asking the coordinator…`;
    try {
      const answer = await a.run();
      this.answer.textContent = `${a.label}: ${a.said(answer)}.`;
    } catch (err) {
      this.answer.className = 'answer error';
      this.answer.textContent = `${a.label} refused: ${err instanceof ApiError ? err.message : String(err)}`;
    }
  }
}
