/**
 * How a host is named on its load balancer: a template such as `web-{hostname}` or
 * `{tag:lb-server}`, checked once when a group is configured and filled in per host. Pure: the
 * coordinator (HAProxy server names, nginx upstream addresses) and the CLI share it.
 */

/** The placeholders a template may use. */
export const TEMPLATE_PLACEHOLDERS = ['{hostname}', '{instanceId}', '{tag:KEY}'] as const;

/** One piece of a parsed template: literal text, or a value of the host. */
export type TemplatePart = { text: string } | { field: 'hostname' | 'instanceId' } | { tag: string };

/** What a template is filled in with. */
export interface TemplateHost {
  instanceId: string;
  hostname: string;
  tags: Readonly<Record<string, string>>;
}

/**
 * Parses a template; a string saying what is wrong (an unclosed `{`, an unknown placeholder, an
 * empty tag key, nothing but literal text) when it cannot be used.
 */
export function parseServerTemplate(template: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let rest = template;
  let placeholders = 0;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (close !== -1 && (open === -1 || close < open)) return `"}" at position ${template.length - rest.length + close} closes no placeholder`;
    if (open === -1) {
      parts.push({ text: rest });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    const end = rest.indexOf('}', open);
    if (end === -1) return `"{" at position ${template.length - rest.length + open} is never closed`;
    const name = rest.slice(open + 1, end);
    const part = placeholderPart(name);
    if (typeof part === 'string') return part;
    parts.push(part);
    placeholders += 1;
    rest = rest.slice(end + 1);
  }
  if (placeholders === 0) return `it names no host value: use ${TEMPLATE_PLACEHOLDERS.join(', ')}`;
  return parts;
}

function placeholderPart(name: string): TemplatePart | string {
  if (name === 'hostname' || name === 'instanceId') return { field: name };
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    if (key.length === 0) return '{tag:} names no tag key';
    if (key.includes('{')) return `"{" inside {${name}}`;
    return { tag: key };
  }
  return `unknown placeholder {${name}}: use ${TEMPLATE_PLACEHOLDERS.join(', ')}`;
}

/**
 * Fills a parsed template in for `host`; a string naming the missing tag when the host lacks one
 * the template uses.
 */
export function fillServerTemplate(parts: readonly TemplatePart[], host: TemplateHost): { value: string } | { missing: string } {
  let value = '';
  for (const part of parts) {
    if ('text' in part) value += part.text;
    else if ('field' in part) value += host[part.field];
    else {
      const tag = host.tags[part.tag];
      if (tag === undefined || tag === '') return { missing: part.tag };
      value += tag;
    }
  }
  return { value };
}
