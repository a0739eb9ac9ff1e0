#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so the repository needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../agent/src/main.ts');
