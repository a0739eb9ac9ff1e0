/**
 * Check templates: `{{name}}` placeholders in a check's URL, headers, body or PromQL query,
 * filled in for the deployment being judged. Which names a field may use is fixed per field and
 * checked when the check is created, so a typo is refused then, not found mid-rollout.
 *
 * - `{{canary.instances}}` / `{{baseline.instances}}`: the hosts' names as a PromQL regular
 *   expression alternation (`web-1|web-2`, each name's regex characters escaped, then escaped
 *   again for a PromQL string); `{{canary.selector}}` / `{{baseline.selector}}`: the same as a
 *   label matcher on the check's hostLabel (`instance=~"web-1|web-2"`).
 * - `{{host.address}}`, `{{host.hostname}}`, `{{host.instanceId}}`, `{{host.tags.KEY}}`: one host
 *   (the check then runs once per host). In a URL, tags are percent-encoded, and an IPv6 address
 *   is put in brackets.
 * - `{{deployment.id}}`, `{{group.name}}`, `{{application.name}}`, `{{step}}`.
 */
import type { HealthHost } from '../store/health.ts';

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** The names `text` uses. */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** Which placeholder names a field accepts: a per-host field, a PromQL query, the deployment's names only, or none. */
export type FieldKind = 'url' | 'text' | 'query' | 'common' | 'fixed';

const COMMON = ['deployment.id', 'group.name', 'application.name', 'step'];
const HOST = ['host.address', 'host.hostname', 'host.instanceId'];
const HOSTS = ['canary.instances', 'canary.selector', 'baseline.instances', 'baseline.selector'];

/** The first placeholder of `text` a field of `kind` does not accept, with what it does, if any. */
export function unknownPlaceholder(text: string, kind: FieldKind): string | undefined {
  const perHost = kind === 'url' || kind === 'text';
  const allowed = kind === 'fixed' ? [] : kind === 'query' ? [...COMMON, ...HOSTS] : perHost ? [...COMMON, ...HOST] : COMMON;
  for (const name of placeholdersOf(text)) {
    if (allowed.includes(name)) continue;
    if (perHost && /^host\.tags\.[A-Za-z0-9_.-]{1,128}$/.test(name)) continue;
    const known = [...allowed, ...(perHost ? ['host.tags.KEY'] : [])].map((a) => `{{${a}}}`);
    return `unknown placeholder {{${name}}}${known.length ? ` (known: ${known.join(', ')})` : ' (this field takes none)'}`;
  }
  return undefined;
}

/** True when `text` names one host, so the check runs once per host. */
export function isPerHost(text: string): boolean {
  return placeholdersOf(text).some((n) => n.startsWith('host.'));
}

/** True when `text` names the canary or baseline hosts. */
export function namesHosts(text: string, which: 'canary' | 'baseline'): boolean {
  return placeholdersOf(text).some((n) => n.startsWith(`${which}.`));
}

/** What templates are filled with. */
export interface TemplateValues {
  deploymentId: string;
  groupName: string;
  applicationName: string;
  step?: number;
  host?: HealthHost;
  canary?: readonly HealthHost[];
  baseline?: readonly HealthHost[];
  /** The label that holds a host's name (prometheus checks). */
  hostLabel?: string;
}

/** A host name as a literal in an RE2 regular expression. */
function regexLiteral(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A value inside a double-quoted PromQL string. */
function promString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function alternation(hosts: readonly HealthHost[]): string {
  return promString(hosts.map((h) => regexLiteral(h.hostname)).join('|'));
}

function hostValue(name: string, host: HealthHost, inUrl: boolean): string | undefined {
  if (name === 'host.hostname') return inUrl ? encodeURI(host.hostname) : host.hostname;
  if (name === 'host.instanceId') return host.instanceId;
  if (name === 'host.address') {
    const address = host.address ?? host.hostname;
    return inUrl && address.includes(':') ? `[${address}]` : address;
  }
  if (name.startsWith('host.tags.')) {
    const value = host.tags[name.slice('host.tags.'.length)] ?? '';
    return inUrl ? encodeURIComponent(value) : value;
  }
  return undefined;
}

function valueOf(name: string, v: TemplateValues, inUrl: boolean): string {
  switch (name) {
    case 'deployment.id':
      return v.deploymentId;
    case 'group.name':
      return inUrl ? encodeURIComponent(v.groupName) : v.groupName;
    case 'application.name':
      return inUrl ? encodeURIComponent(v.applicationName) : v.applicationName;
    case 'step':
      return v.step === undefined ? '' : String(v.step);
    case 'canary.instances':
      return alternation(v.canary ?? []);
    case 'baseline.instances':
      return alternation(v.baseline ?? []);
    case 'canary.selector':
      return `${v.hostLabel ?? 'instance'}=~"${alternation(v.canary ?? [])}"`;
    case 'baseline.selector':
      return `${v.hostLabel ?? 'instance'}=~"${alternation(v.baseline ?? [])}"`;
    default:
      return v.host ? (hostValue(name, v.host, inUrl) ?? '') : '';
  }
}

/** Fills in every placeholder of `text`; `inUrl` encodes values for a URL. */
export function render(text: string, values: TemplateValues, inUrl = false): string {
  return text.replace(PLACEHOLDER, (_all, name: string) => valueOf(name, values, inUrl));
}
