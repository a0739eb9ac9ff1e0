/**
 * Every `deckhand` command: its name and one-line summary, and how to load it. Commands are
 * loaded only when run, so `deckhand --help` and a single command parse only what they use.
 */
import type { Command } from '../command.ts';

/** One entry of the command list. */
export interface CommandEntry {
  name: string;
  /** One line for `deckhand --help`. */
  summary: string;
  load(): Promise<Command>;
}

/** Every command, in the order `deckhand --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'push', summary: 'pack a revision folder and upload it', load: async () => (await import('./push.ts')).pushCommand },
  { name: 'deploy', summary: 'deploy a revision to a deployment group', load: async () => (await import('./deploy.ts')).deployCommand },
  { name: 'status', summary: 'show a deployment, host by host and event by event', load: async () => (await import('./status.ts')).statusCommand },
  { name: 'logs', summary: "print a deployment's hook output; --follow streams it live", load: async () => (await import('./logs.ts')).logsCommand },
  { name: 'stop', summary: 'stop a queued or running deployment', load: async () => (await import('./stop.ts')).stopCommand },
  { name: 'pause', summary: 'pause a running deployment (running hosts finish, no new one starts)', load: async () => (await import('./rollout.ts')).pauseCommand },
  { name: 'resume', summary: 'resume a paused deployment', load: async () => (await import('./rollout.ts')).resumeCommand },
  { name: 'approve', summary: 'approve a deployment waiting after its first batch', load: async () => (await import('./rollout.ts')).approveCommand },
  { name: 'promote', summary: 'start the next step of a deployment now (ends its bake and analysis)', load: async () => (await import('./rollout.ts')).promoteCommand },
  { name: 'rollout', summary: 'change a running deployment: batch size, bake', load: async () => (await import('./rollout.ts')).changeRolloutCommand },
  { name: 'rollback', summary: "redeploy a group's last successful revision", load: async () => (await import('./rollback.ts')).rollbackCommand },
  { name: 'deployments', summary: 'list deployments, newest first', load: async () => (await import('./deployments.ts')).deploymentsCommand },
  { name: 'instances', summary: 'list registered hosts (by tag, offline), tag, untag or deregister one', load: async () => (await import('./instances.ts')).instancesCommand },
  { name: 'groups', summary: 'create, list, show, update or delete deployment groups', load: async () => (await import('./groups.ts')).groupsCommand },
  { name: 'configs', summary: 'create, list or delete deployment configurations', load: async () => (await import('./configs.ts')).configsCommand },
  { name: 'webhooks', summary: "create, list, delete, test a group's webhooks and show their deliveries", load: async () => (await import('./webhooks.ts')).webhooksCommand },
  { name: 'checks', summary: 'health checks for alarms and analysis: create, list, delete, replay', load: async () => (await import('./checks.ts')).checksCommand },
  { name: 'tokens', summary: 'registration tokens for hosts, and named API tokens (tokens api)', load: async () => (await import('./tokens.ts')).tokensCommand },
  { name: 'audit', summary: 'show who did what, or verify the audit log is intact', load: async () => (await import('./audit.ts')).auditCommand },
  { name: 'keys', summary: 'generate a key pair for signing revisions', load: async () => (await import('./keys.ts')).keysCommand },
  { name: 'applications', summary: 'create, list or delete applications', load: async () => (await import('./applications.ts')).applicationsCommand },
  { name: 'revisions', summary: "list, show or delete an application's revisions", load: async () => (await import('./revisions.ts')).revisionsCommand },
  { name: 'demo', summary: 'run a coordinator and 3 agents locally and deploy a sample revision', load: async () => (await import('./demo.ts')).demoCommand },
];
