import { measureCluster } from './bench/fleet/cluster.ts';
const out: Record<string, unknown> = {};
await measureCluster(1000, { runs: 1, capSeconds: 120, log: (l) => console.error(l) }, out as never);
console.log(JSON.stringify(out, null, 1));
