/**
 * Host facts for the coordinator, gathered through systeminformation (one adapter, here). The
 * running agent does not import this file: it runs in the `deckhand-agent inventory` child
 * (inventory/child.ts), so systeminformation never stays loaded in the service.
 */
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import type { Inventory } from '../../../protocol/src/schemas.ts';
import { clip, type CollectOptions } from './basic.ts';

const MAX_ADDRESSES = 64;

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
