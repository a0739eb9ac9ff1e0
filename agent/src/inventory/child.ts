/**
 * The inventory collected in a short-lived child process (the agent itself, `deckhand-agent
 * inventory`), every refresh. systeminformation is a large module that keeps what it evaluated
 * and cached resident in the process that loaded it; the child prints the facts as JSON and
 * exits, so the service keeps only the answer (about 0.3 s of CPU every 10 minutes).
 */
import { Inventory } from '../../../protocol/src/schemas.ts';
import * as z from '../../../protocol/src/zod.ts';
import { runAgentCommand, type AgentInvocation } from '../util/agent-child.ts';
import type { CollectOptions } from './basic.ts';

/** The hidden command that prints the host's inventory. */
export const INVENTORY_COMMAND = 'inventory';

/** Longest a collection may take (systeminformation runs a few system commands). */
const CHILD_TIMEOUT_MS = 60_000;

/** What the child printed, checked as the protocol's Inventory. */
function parseInventory(stdout: string): Inventory {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    throw new Error(`${INVENTORY_COMMAND} printed something else than JSON: ${stdout.slice(0, 200)}`);
  }
  const result = z.safeParse(Inventory, value);
  if (!result.success) throw new Error(`${INVENTORY_COMMAND} printed an invalid inventory: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return result.data;
}

/** Collects the inventory of the host holding `opts.root` in a child process run as `agent`. */
export function inventoryInChild(agent: AgentInvocation, opts: CollectOptions): () => Promise<Inventory> {
  return async () => {
    const stdout = await runAgentCommand(agent, [INVENTORY_COMMAND, opts.root, opts.agentVersion], { what: 'collecting the inventory', timeoutMs: CHILD_TIMEOUT_MS });
    return parseInventory(stdout);
  };
}

/**
 * The child's side: prints the inventory as one JSON line. systeminformation is imported here
 * only, so the agent's own process never loads it.
 */
export async function inventoryCommand(argv: readonly string[], io: { out(text: string): void; err(text: string): void }): Promise<number> {
  const [root, agentVersion] = argv;
  if (root === undefined || root === '' || agentVersion === undefined || argv.length !== 2) {
    io.err(`usage: deckhand-agent ${INVENTORY_COMMAND} ROOT AGENT-VERSION`);
    return 2;
  }
  const { collectInventory } = await import('./collect.ts');
  io.out(JSON.stringify(await collectInventory({ root, agentVersion })));
  return 0;
}
