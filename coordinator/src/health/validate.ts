/**
 * What zod cannot see in a new health check: placeholders each field may use, conditions that
 * parse, URLs that are still URLs once rendered. The first problem names its field.
 */
import type { HealthCheckSpec } from '../../../protocol/src/index.ts';
import { parseJsonCondition, parseNumberCondition } from './condition.ts';
import { render, unknownPlaceholder, type FieldKind } from './template.ts';

/** A problem with one field. */
export interface FieldProblem {
  field: string;
  message: string;
}

const SAMPLE_HOST = { instanceId: 'i-SAMPLE00', hostname: 'host-1', address: '10.0.0.1', tags: {}, step: 1, segment: null, status: 'InProgress' as const };

function urlProblem(field: string, url: string, kind: FieldKind): FieldProblem | undefined {
  const placeholder = unknownPlaceholder(url, kind);
  if (placeholder) return { field, message: `${field}: ${placeholder}` };
  const rendered = render(url, { deploymentId: 'd-SAMPLE00', groupName: 'group', applicationName: 'app', step: 1, host: SAMPLE_HOST }, true);
  try {
    const u = new URL(rendered);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return { field, message: `${field}: must be an http:// or https:// URL` };
  } catch {
    return { field, message: `${field}: not a valid URL once its placeholders are filled in` };
  }
  return undefined;
}

function textProblem(field: string, text: string | undefined, kind: FieldKind): FieldProblem | undefined {
  const placeholder = text === undefined ? undefined : unknownPlaceholder(text, kind);
  return placeholder ? { field, message: `${field}: ${placeholder}` } : undefined;
}

function headerProblems(headers: Record<string, string>, kind: FieldKind): FieldProblem | undefined {
  for (const [name, value] of Object.entries(headers)) {
    const p = textProblem(`headers.${name}`, value, kind);
    if (p) return p;
  }
  return undefined;
}

/** The first problem of `spec`, or undefined when there is none. */
export function checkProblem(spec: HealthCheckSpec): FieldProblem | undefined {
  switch (spec.type) {
    case 'http': {
      const condition = spec.condition === undefined ? undefined : parseJsonCondition(spec.condition);
      if (condition && !condition.ok) return { field: 'condition', message: `condition: ${condition.error}` };
      return urlProblem('url', spec.url, 'url') ?? headerProblems(spec.headers, 'text') ?? textProblem('body', spec.body, 'text');
    }
    case 'prometheus': {
      const condition = parseNumberCondition(spec.condition);
      if (!condition.ok) return { field: 'condition', message: `condition: ${condition.error}` };
      return urlProblem('address', spec.address, 'fixed') ?? textProblem('query', spec.query, 'query') ?? headerProblems(spec.headers, 'fixed');
    }
    case 'webhook':
      return urlProblem('url', spec.url, 'common') ?? headerProblems(spec.headers, 'fixed');
    case 'command':
      if (spec.script.split(/[\\/]/).includes('..')) return { field: 'script', message: 'script: must stay inside the revision (no ..)' };
      // Accepted, such a check would answer Error at every poll: an alarm naming it would stop
      // every deployment. Refused until the agents run check scripts (issue 20).
      return { field: 'type', message: 'type: command checks are not available yet (agents do not run check scripts in this version); use an http check of the host ({{host.address}}) or a webhook' };
  }
}
