/** The inventory the agent knows without asking the system: what Node.js tells it at once. */
import os from 'node:os';
import type { Inventory } from '../../../protocol/src/schemas.ts';

/** Inputs of the inventory collection. */
export interface CollectOptions {
  /** The agent root; free disk space is that of the filesystem holding it. */
  root: string;
  agentVersion: string;
}

/** `text` cut to `max` characters. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

/** The minimal inventory used until the first collection finishes (or when it fails). */
export function basicInventory(opts: CollectOptions): Inventory {
  return {
    hostname: clip(os.hostname(), 255),
    os: { platform: process.platform, distro: '', release: '', kernel: clip(os.release(), 128) },
    arch: process.arch,
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    diskFreeBytes: 0,
    addresses: [],
    agentVersion: clip(opts.agentVersion, 64),
    nodeVersion: process.version,
  };
}
