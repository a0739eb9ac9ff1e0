/** Host facts for the coordinator, gathered through systeminformation (one adapter, here). */
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import type { Inventory } from '../../../protocol/src/schemas.ts';

/** Inputs of {@link collectInventory}. */
export interface CollectOptions {
  /** The agent root; free disk space is that of the filesystem holding it. */
  root: string;
  agentVersion: string;
}

const MAX_ADDRESSES = 64;

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

async function diskFreeBytes(root: string): Promise<number> {
  try {
    const stats = await statfs(root);
    return stats.bavail * stats.bsize;
  } catch {
    // An unreadable root is reported elsewhere (the journal cannot open); 0 is an honest "unknown".
    return 0;
  }
}

/** Non-internal IPv4 and IPv6 addresses, IPv4 first. */
async function addresses(): Promise<string[]> {
  const ifaces = await si.networkInterfaces();
  const list = Array.isArray(ifaces) ? ifaces : [ifaces];
  const v4 = list.filter((i) => !i.internal && i.ip4).map((i) => i.ip4);
  const v6 = list.filter((i) => !i.internal && i.ip6).map((i) => i.ip6);
  return [...new Set([...v4, ...v6])].slice(0, MAX_ADDRESSES).map((a) => clip(a, 64));
}

/** Gathers the host facts of the protocol's Inventory. */
export async function collectInventory(opts: CollectOptions): Promise<Inventory> {
  const [osInfo, mem, addrs, free] = await Promise.all([si.osInfo(), si.mem(), addresses(), diskFreeBytes(opts.root)]);
  return {
    hostname: clip(osInfo.hostname || os.hostname(), 255),
    os: {
      platform: clip(osInfo.platform || process.platform, 64),
      distro: clip(osInfo.distro ?? '', 128),
      release: clip(osInfo.release ?? '', 128),
      kernel: clip(osInfo.kernel || os.release(), 128),
    },
    arch: clip(osInfo.arch || process.arch, 32),
    cpus: os.availableParallelism(),
    memoryBytes: mem.total,
    diskFreeBytes: free,
    addresses: addrs,
    agentVersion: clip(opts.agentVersion, 64),
    nodeVersion: clip(process.version, 64),
  };
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
