/**
 * Who may do what, on the wire: named API tokens with a role and a scope, and the audit log's
 * records (GET /v1/audit) and its check (GET /v1/audit/verify).
 */
import { z } from 'zod';
import { Id, Name } from './schemas.ts';

/** The roles of API tokens, least to most (README "Who may do what" lists what each may do). */
export const TokenRoleSchema = z.enum(['viewer', 'deployer', 'operator', 'admin']);
export type TokenRoleName = z.infer<typeof TokenRoleSchema>;

/** POST /v1/api-tokens. */
export const CreateApiTokenRequest = z.strictObject({
  name: Name,
  role: TokenRoleSchema,
  /** The applications it may act on; absent: every one. */
  applications: z.array(Name).min(1).max(100).optional(),
  /** The deployment groups it may act on, within those applications; absent: every one. */
  groups: z.array(Name).min(1).max(100).optional(),
  /** Absent: it does not expire. */
  ttlSeconds: z.number().int().min(60).max(10 * 365 * 24 * 3600).optional(),
});
export type CreateApiTokenRequest = z.input<typeof CreateApiTokenRequest>;

/** An API token as listed: never its secret (only POST's answer carries it, once). */
export const ApiTokenView = z.strictObject({
  tokenId: Id,
  name: z.string(),
  role: TokenRoleSchema,
  applications: z.array(z.string()).nullable(),
  groups: z.array(z.string()).nullable(),
  createdAt: z.string(),
  createdBy: z.string().optional(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  /** Only returned once, when the token is created. */
  token: z.string().optional(),
});
export type ApiTokenView = z.infer<typeof ApiTokenView>;

/** One record of the audit log. */
export const AuditRecordView = z.strictObject({
  seq: z.number().int(),
  at: z.string(),
  /** The token's name, or `instance:<id>` for an agent. */
  actor: z.string(),
  /** `POST /v1/deployments`, `instance.register`, ... */
  action: z.string(),
  target: z.string().optional(),
  requestId: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
  /** The HTTP status, with the error code when refused: `201`, `403 FORBIDDEN`. */
  outcome: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecordView = z.infer<typeof AuditRecordView>;

/** GET /v1/audit's query. */
export const AuditQuery = z.strictObject({
  /** ISO time: records at or after it. */
  since: z.iso.datetime({ offset: true }).optional(),
  actor: z.string().min(1).max(200).optional(),
  /** Records after this sequence number (paging). */
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});
export type AuditQuery = z.input<typeof AuditQuery>;

/** GET /v1/audit/verify: the chain checked from its first record. */
export const AuditVerifyResponse = z.strictObject({
  ok: z.boolean(),
  /** How many records were checked. */
  records: z.number().int(),
  /** The hash of the last record: keep it elsewhere to detect a cut-off tail later. */
  head: z.string().optional(),
  /** The first record where the chain breaks. */
  broken: z.strictObject({ seq: z.number().int(), reason: z.string() }).optional(),
});
export type AuditVerifyResponse = z.infer<typeof AuditVerifyResponse>;
