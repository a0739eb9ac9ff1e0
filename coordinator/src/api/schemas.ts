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
  application: Name.optional(),
  group: Name.optional(),
  status: DeploymentStatusSchema.optional(),
});
export const NameParams = z.object({ name: Name });
