/** The one definition of everything agent, coordinator and CLI say to each other. */
export * from './lifecycle-events.ts';
export * from './status.ts';
export * from './errors.ts';
export * from './version.ts';
export * from './wire.ts';
export * from './schemas.ts';
export * from './messages.ts';
export * from './signing.ts';
export * from './api.ts';
export * from './orchestration.ts';
export * from './rollout.ts';
export * from './health.ts';
export * from './revision-signing.ts';
export * from './command-signing.ts';
export * from './access.ts';
