#!/usr/bin/env node
// Runs the compiled binary (dist/, made by `npm run build`, which `npm install` runs).
import { runBuilt } from './run-built.js';

await runBuilt('deckhand-agent');
