/**
 * Which server of the balancer a host is: the value of a host tag, or a template filled in with
 * the host's name, id and tags. A host the mapping cannot name fails with ELB_INVALID_INSTANCE,
 * saying which tag it lacks.
 */
import { fillServerTemplate, parseServerTemplate, type TemplatePart } from '../../../protocol/src/index.ts';
import { invalidInstance, type TrafficHost } from './provider.ts';

/** How a group maps hosts to servers (exactly one is set). */
export interface MappingSettings {
  serverTag?: string | undefined;
  serverTemplate?: string | undefined;
}

/** Names hosts' servers; `valid` checks a name the balancer can take (it is sent to it as text). */
export class ServerMapping {
  private readonly parts: TemplatePart[] | undefined;

  constructor(
    private readonly settings: MappingSettings,
    private readonly valid: { pattern: RegExp; what: string },
  ) {
    if (settings.serverTemplate !== undefined) {
      const parsed = parseServerTemplate(settings.serverTemplate);
      // The schema refused malformed templates; one reaching here was stored before a rule changed.
      if (typeof parsed === 'string') throw invalidInstance(`malformed server template "${settings.serverTemplate}": ${parsed}`);
      this.parts = parsed;
    }
  }

  /** The host's server; throws ELB_INVALID_INSTANCE naming the host and the missing tag or bad name. */
  serverOf(host: TrafficHost): string {
    let value: string;
    if (this.parts !== undefined) {
      const filled = fillServerTemplate(this.parts, host);
      if ('missing' in filled) throw invalidInstance(`host ${host.hostname} (${host.instanceId}) has no tag ${filled.missing}, which the server template "${this.settings.serverTemplate ?? ''}" needs`);
      value = filled.value;
    } else {
      const key = this.settings.serverTag ?? '';
      const tag = host.tags[key];
      if (tag === undefined || tag === '') throw invalidInstance(`host ${host.hostname} (${host.instanceId}) has no tag ${key}, which names its server on the load balancer`);
      value = tag;
    }
    if (!this.valid.pattern.test(value)) {
      throw invalidInstance(`host ${host.hostname} (${host.instanceId}) maps to ${JSON.stringify(value.slice(0, 80))}, which is not ${this.valid.what}`);
    }
    return value;
  }

  /** The host's server, or undefined when the mapping cannot name it (it then has no state on the balancer). */
  serverIfMapped(host: TrafficHost): string | undefined {
    try {
      return this.serverOf(host);
    } catch {
      return undefined;
    }
  }
}
