/**
 * The README's table of who may call what, rendered from route-policies.ts (the one source).
 * `npm run docs:permissions` writes it between the README's permissions markers; a test checks
 * the README holds exactly this.
 */
import { ROLE_PERMISSIONS, ROLES } from '../auth/permissions.ts';
import { ROUTE_POLICIES, type RoutePolicy } from './route-policies.ts';

/** The markers around the table in README.md. */
export const TABLE_START = '<!-- permissions:start (npm run docs:permissions writes this table) -->';
export const TABLE_END = '<!-- permissions:end -->';

const SCOPE_TEXT: Readonly<Record<string, string>> = {
  params: "within scope: the route's application and group",
  body: "within scope: the request's application and group",
  deployment: "within scope: the deployment's application and group",
  revision: "within scope: the revision's application",
  global: 'unscoped tokens only',
};

function scopeText(policy: RoutePolicy): string {
  if (policy.access === 'public') return 'no token needed';
  const text = policy.scope === undefined ? 'yes (lists show only what the scope covers)' : SCOPE_TEXT[policy.scope] ?? policy.scope;
  return policy.agents ? `${text}; or a request signed by a registered host` : text;
}

/** The markdown table, one row per route in the order of the code's table. */
export function renderPolicyTable(): string {
  const rows = [
    `| Route | Needs | ${ROLES.join(' | ')} | Scoped tokens |`,
    `|---|---|${ROLES.map(() => ':-:').join('|')}|---|`,
  ];
  for (const [route, policy] of Object.entries(ROUTE_POLICIES)) {
    const cells = ROLES.map((role) => (policy.access === 'public' || ROLE_PERMISSIONS[role].includes(policy.access) ? '✓' : '—'));
    rows.push(`| \`${route}\` | ${policy.access} | ${cells.join(' | ')} | ${scopeText(policy)} |`);
  }
  return rows.join('\n');
}

/** `readme` with the table between the markers replaced by the current one; throws without markers. */
export function withPolicyTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END} section`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderPolicyTable()}\n${readme.slice(end)}`;
}
