/**
 * The audit log: who did what, appended for every state-changing API call and every agent
 * registration and deregistration. Each record holds the hash of the one before it, so deleting
 * or editing a record breaks the chain where it happened (auth/audit-chain.ts checks it).
 */

/** What is recorded of one action. */
export interface AuditEntry {
  at: string;
  /** The token's name, or `instance:<id>` for an agent. */
  actor: string;
  /** E.g. `POST /v1/deployments`, `instance.register`. */
  action: string;
  /** What it acted on: a deployment id, `application/group`, a token name. */
  target?: string;
  requestId?: string;
  /** The request's relevant fields, never a secret. */
  details: Record<string, unknown>;
  /** `201`, `403 AUTH_FAILED`, ... */
  outcome: string;
}

/** A stored record with its place in the chain. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/** Filters of {@link AuditRepository.list}. */
export interface AuditFilter {
  since?: string;
  actor?: string;
  /** Records after this sequence number. */
  afterSeq?: number;
  /** @default 1000 */
  limit?: number;
}

/** Appends to and reads the audit log. */
export interface AuditRepository {
  /** The last record, to chain the next one to. */
  last(): Promise<AuditRecord | undefined>;
  /** Appends a record with its chain fields already computed (auth/audit-chain.ts); in a unit of work with last(). */
  insert(record: AuditRecord): Promise<void>;
  /** Records matching `filter`, oldest first. */
  list(filter: AuditFilter): Promise<AuditRecord[]>;
}
