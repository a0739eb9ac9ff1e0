/**
 * zod/mini, with zod's English messages. The schemas that the agent parses at run time (wire
 * frames, the values in them, agent.yml) are written with it: zod/mini builds plain schema
 * objects and lets the bundler keep only the checks used, where classic zod brings its whole
 * library (every locale, JSON Schema conversion) into the agent. Classic zod accepts these
 * schemas anywhere (`z.object({ id: Id })`, `z.optional(Id)`), and both give the same issues.
 *
 * zod/mini loads no locale itself (its messages are then all "Invalid input"); classic zod sets
 * the same English one when it is loaded, so whichever comes first, the messages are zod's.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

// Re-exported name by name (not as one namespace object), so the bundler keeps only what is used.
export * from 'zod/mini';
