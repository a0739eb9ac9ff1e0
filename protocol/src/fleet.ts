/**
 * HTTP API shapes of the fleet's management: listing deployments by page, changing a group,
 * and the answers of removals.
 */
import { z } from 'zod';
import { DeploymentSummary, LargeBlastRadius, RevisionView } from './api.ts';
import { AlarmConfiguration } from './health.ts';
import { AutoRollbackConfiguration, TagFilter, TagSet } from './orchestration.ts';

/** A page of deployments, newest first; `nextToken` fetches the next one. */
export const DeploymentList = z.strictObject({
  deployments: z.array(DeploymentSummary),
  nextToken: z.string().optional(),
});
export type DeploymentList = z.infer<typeof DeploymentList>;

/** Changes to a deployment group; what is left out stays. `null` removes a tag set, auto-rollback or alarms. */
export const UpdateDeploymentGroupRequest = z
  .strictObject({
    tagFilters: z.array(TagFilter).max(100).optional(),
    tagSet: TagSet.nullable().optional(),
    instanceNames: z.array(z.string().min(1).max(255)).max(1000).optional(),
    deploymentConfigName: z.string().min(1).max(100).optional(),
    autoRollbackConfiguration: AutoRollbackConfiguration.nullable().optional(),
    agentWaitSeconds: z.number().int().min(1).max(86_400).optional(),
    eventTimeoutSeconds: z.number().int().min(1).max(4200).optional(),
    autoDeployNewInstances: z.boolean().optional(),
    /** The group's alarms; null removes them. */
    alarmConfiguration: AlarmConfiguration.nullable().optional(),
    /** The group's guard rail; null restores the defaults. */
    largeBlastRadius: LargeBlastRadius.nullable().optional(),
  })
  .refine((g) => Object.keys(g).length > 0, { message: 'give at least one setting to change' })
  .refine((g) => !(g.tagSet && g.tagFilters && g.tagFilters.length > 0), { path: ['tagSet'], message: 'use either tagFilters or tagSet, not both' });
export type UpdateDeploymentGroupRequest = z.input<typeof UpdateDeploymentGroupRequest>;

/** The revisions of an application, oldest first (deleted ones carry deletedAt). */
export const RevisionList = z.strictObject({ revisions: z.array(RevisionView) });
export type RevisionList = z.infer<typeof RevisionList>;

/** What a removal took with it. */
export const RemovalResult = z.strictObject({
  removed: z.string(),
  /** Deployments whose history went with a removed group. */
  deployments: z.number().int().nonnegative().optional(),
  /** Revision bundles deleted from the artifact store. */
  bundles: z.number().int().nonnegative().optional(),
});
export type RemovalResult = z.infer<typeof RemovalResult>;
