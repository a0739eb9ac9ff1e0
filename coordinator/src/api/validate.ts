/**
 * Validation at the HTTP boundary with the protocol's zod schemas. The first problem becomes a
 * 400 VALIDATION_FAILED naming its field, e.g. `deploymentGroupName: Required`.
 */
import { z } from 'zod';
import { FieldError } from './errors.ts';

function fieldOf(issue: z.core.$ZodIssue): string {
  const keys = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  return keys.map(String).join('.');
}

function messageOf(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
}

/**
 * Parses `value` with `schema`, or throws a FieldError naming the first offending field
 * (`where` stands in when the whole value is wrong, e.g. a missing body).
 */
export function parseInput<S extends z.core.$ZodType>(schema: S, value: unknown, where = 'body'): z.output<S> {
  // z.safeParse rather than the method: the protocol's wire schemas are zod/mini (protocol/src/zod.ts).
  const result = z.safeParse(schema, value, {
    // zod 4 words an absent value as a type mismatch; "Required" says what the caller must fix.
    error: (issue) => (issue.input === undefined ? 'Required' : undefined),
  });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new FieldError('VALIDATION_FAILED', where, `${where}: invalid`);
  const field = fieldOf(issue) || where;
  throw new FieldError('VALIDATION_FAILED', field, `${field}: ${messageOf(issue)}`);
}
