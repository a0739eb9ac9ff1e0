/**
 * Health checks as the API shows them: the definition with every header value and URL
 * credential replaced by `***` (a check's secrets are written once and never read back).
 */
import type { HealthCheckView } from '../../../protocol/src/index.ts';
import type { HealthCheckRow } from '../store/health.ts';
import { redactHeaders, redactUrl } from './redact.ts';

/** The view of a stored check. */
export function healthCheckView(row: HealthCheckRow): HealthCheckView {
  const { name: _name, type, description, ...rest } = row.spec;
  const spec: Record<string, unknown> = { ...rest };
  if ('headers' in rest) spec['headers'] = redactHeaders(rest.headers);
  if ('url' in rest && typeof rest.url === 'string') spec['url'] = redactUrl(rest.url);
  if ('address' in rest && typeof rest.address === 'string') spec['address'] = redactUrl(rest.address);
  const view: HealthCheckView = { name: row.name, type, spec, createTime: row.createdAt };
  if (description !== undefined) view.description = description;
  if (row.createdBy !== undefined) view.createdBy = row.createdBy;
  return view;
}
