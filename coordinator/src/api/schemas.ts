/**
 * Schemas of path parameters and query strings; request bodies use protocol/src/api.ts.
 */
import { z } from 'zod';
import { BundleType, DeploymentStatusSchema, Id, Name } from '../../../protocol/src/index.ts';

export const AppParams = z.object({ app: Name });
export const GroupParams = z.object({ app: Name, group: Name });
export const IdParams = z.object({ id: Id });

export const UploadRevisionQuery = z.strictObject({
  bundleType: BundleType,
  description: z.string().max(1000).optional(),
});

export const ListDeploymentsQuery = z.strictObject({
  application: z.optional(Name),
  group: z.optional(Name),
  status: z.optional(DeploymentStatusSchema),
  /** @default 100 */
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** From the previous page's answer. */
  nextToken: z.string().max(200).optional(),
});

export const ConfigParams = z.object({ name: z.string().min(1).max(100) });

export const ListInstancesQuery = z.strictObject({
  /** `key=value`, or `key` for any value; repeat for all of them. */
  tag: z.union([z.string().min(1).max(400), z.array(z.string().min(1).max(400)).max(20)]).optional(),
  /** `1`: only hosts whose agent is not connected. */
  offline: z.enum(['0', '1', 'true', 'false']).optional(),
});

export const DeregisterQuery = z.strictObject({
  /** `1`: deregister even while the host is connected, closing its connection. */
  force: z.enum(['0', '1', 'true', 'false']).optional(),
});
export const NameParams = z.object({ name: Name });
