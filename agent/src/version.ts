/** The agent's version: the package's, reported in agent.hello and its inventory. */
import { DECKHAND_VERSION } from '../../common/src/version.ts';

/** The version this agent reports in agent.hello and its inventory, e.g. `0.1.0`. */
export const AGENT_VERSION: string = DECKHAND_VERSION;
