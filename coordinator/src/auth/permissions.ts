/**
 * Who may do what: the four roles of API tokens and what each may do, and the scope rule (a
 * token may be limited to applications and, within them, deployment groups). Pure: the API
 * (api/route-policies.ts) says what each route needs, this decides.
 */
import type { TokenRole } from '../store/tokens.ts';

/** The roles, least to most. */
export const ROLES: readonly TokenRole[] = ['viewer', 'deployer', 'operator', 'admin'];

/** What a route may need of a token. */
export type Permission = 'read' | 'deploy' | 'manage' | 'admin';

/**
 * What each role may do:
 * - read: every GET (no secret is ever readable: token and webhook secrets are shown once);
 * - deploy: create, stop, pause, resume, approve and roll back deployments, plan and preflight
 *   them, push and sign revisions;
 * - manage: applications, deployment groups, deployment configs, instances (tags,
 *   deregistration) and registration tokens;
 * - admin: API tokens.
 */
export const ROLE_PERMISSIONS: Readonly<Record<TokenRole, readonly Permission[]>> = {
  viewer: ['read'],
  deployer: ['read', 'deploy'],
  operator: ['read', 'deploy', 'manage'],
  admin: ['read', 'deploy', 'manage', 'admin'],
};

/** An authenticated API token. */
export interface TokenPrincipal {
  kind: 'token';
  tokenId: string;
  name: string;
  role: TokenRole;
  /** null: every application. */
  applications: string[] | null;
  /** null: every group. */
  groups: string[] | null;
}

/** What a request acts on, for the scope rule. */
export interface ResourceScope {
  application?: string;
  group?: string;
  /** A resource every application shares (configs, instances, registration and API tokens). */
  global?: true;
}

/** True when the token is limited to some applications or groups. */
export function isScoped(p: TokenPrincipal): boolean {
  return p.applications !== null || p.groups !== null;
}

function scopeText(p: TokenPrincipal): string {
  const apps = p.applications === null ? 'every application' : `applications ${p.applications.join(', ')}`;
  return p.groups === null ? apps : `${apps}, groups ${p.groups.join(', ')}`;
}

/** Why `p` may not act on `scope`, or undefined when it may. */
export function scopeRefusal(p: TokenPrincipal, scope: ResourceScope): string | undefined {
  if (scope.global && isScoped(p)) return `token ${p.name} is limited to ${scopeText(p)}; this concerns every application and needs an unscoped token`;
  if (scope.application !== undefined && p.applications !== null && !p.applications.includes(scope.application)) {
    return `token ${p.name} is limited to ${scopeText(p)}, not application ${scope.application}`;
  }
  if (scope.group !== undefined && p.groups !== null && !p.groups.includes(scope.group)) {
    return `token ${p.name} is limited to ${scopeText(p)}, not deployment group ${scope.group}`;
  }
  return undefined;
}

/** Why `p` may not do `permission`, or undefined when its role allows it. */
export function permissionRefusal(p: TokenPrincipal, permission: Permission): string | undefined {
  if (ROLE_PERMISSIONS[p.role].includes(permission)) return undefined;
  return `token ${p.name} has the role ${p.role}, which lacks the permission ${permission} (needed by ${ROLES.filter((r) => ROLE_PERMISSIONS[r].includes(permission)).join(', ')})`;
}

/** True when `p` may see something of `application` and `group` (lists are filtered with it). */
export function canSee(p: TokenPrincipal, application: string, group?: string): boolean {
  return scopeRefusal(p, { application, ...(group === undefined ? {} : { group }) }) === undefined;
}
