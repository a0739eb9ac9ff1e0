/**
 * How the agent's Node.js process is started: the systemd unit (systemd/deckhand-agent.service)
 * and the Windows service definition (installers/windows/plan.ts) say the same, and a test keeps
 * them equal. Shared with the agent, which keeps its own settings out of what hooks inherit.
 */

/**
 * Node.js options of the agent. A 1 MiB young generation instead of V8's 16 MiB default: the
 * agent keeps little that lives; a large young generation is resident memory it never needs,
 * most visibly while a hook prints gigabytes (a 256 MiB printing hook peaked 32 MB lower).
 * `--optimize-for-size`: V8 then lets the old generation grow less before collecting it. With a
 * young generation this small, output lines and buffers waiting on I/O are promoted and die
 * there; by default the old generation reached 80 MB of such garbage while a hook printed 1 GiB
 * (peak RSS 167-195 MB), with it 107-142 MB. Idle RSS is unchanged.
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'] as const;

/**
 * Environment of the agent process. Two malloc arenas instead of glibc's eight per core: Node's
 * worker threads otherwise each grow an arena that stays resident.
 */
export const AGENT_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
