/**
 * The two HTTP API shapes the agent parses (registration's answer and the error body), apart
 * from api.ts so that the agent builds these and not every schema of the API.
 */
import * as z from './zod.ts';
import { CoordinatorKeySchema, ErrorCodeSchema, Id, Tags } from './schemas.ts';

/**
 * The registration's answer. `coordinatorKeys`: the public keys the coordinator signs commands
 * with, which the agent keeps and checks every command against (absent from coordinators
 * without command signing).
 */
export const RegisterInstanceResponse = z.strictObject({
  instanceId: Id,
  tags: Tags,
  coordinatorKeys: z.optional(z.array(CoordinatorKeySchema).check(z.maxLength(16))),
});
export type RegisterInstanceResponse = z.infer<typeof RegisterInstanceResponse>;

/** Every API error: a code, a message, and for validation errors the offending field. */
export const ApiErrorBody = z.strictObject({
  error: z.strictObject({
    code: ErrorCodeSchema,
    message: z.string(),
    field: z.optional(z.string()),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
