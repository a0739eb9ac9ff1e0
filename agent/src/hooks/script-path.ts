/**
 * Where a hook script is. The location is joined to the revision folder, as CodeDeploy does
 * (File.join: a leading `/` is relative to the revision too), and must stay inside it, lexically
 * and once links are followed. CodeDeploy's agent has no such check: `location: ../../../bin/sh`
 * reaches a host file, which it makes executable (chmod +x) and runs
 * (aws-codedeploy-agent hook_executor.rb: script_absolute_path, FileUtils.chmod). Deckhand's
 * agent refuses instead; the levels such a location climbs are those of CodeDeploy's own folder
 * layout, so under Deckhand's it would reach another file anyway.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isInside } from '../install/paths.ts';

/** A script's path, and where it resolves outside the revision when it does. */
export interface ScriptPlace {
  /** The absolute path the location names. */
  path: string;
  /** Set when the script resolves outside the revision: the path it resolves to. */
  outside?: string;
}

/** Locates `location` in the revision at `archiveDir`; a missing script is not outside (its own failure). */
export function locateScript(archiveDir: string, location: string): ScriptPlace {
  const root = path.resolve(archiveDir);
  const scriptPath = path.resolve(path.join(root, location));
  if (!isInside(root, scriptPath)) return { path: scriptPath, outside: scriptPath };
  const real = realOrUndefined(scriptPath);
  const realRoot = realOrUndefined(root);
  if (real === undefined || realRoot === undefined || isInside(realRoot, real)) return { path: scriptPath };
  return { path: scriptPath, outside: real };
}

function realOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    // Missing (or unreadable): nothing to follow; the runner reports ScriptMissing for the script.
    return undefined;
  }
}
