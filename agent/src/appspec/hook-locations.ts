/**
 * Hook locations that climb out of the revision (`../../../bin/sh`). CodeDeploy accepts them and
 * runs whatever host file they reach, after making it executable; the Deckhand agent refuses to
 * run a script that resolves outside the revision (hooks/script-path.ts, ScriptOutsideRevision).
 * The appspec itself stays valid, as it is for CodeDeploy: `appspec validate` and `preflight`
 * warn, and --strict refuses.
 */
import type { AppSpec, AppSpecProblem } from './types.ts';

/** True when `location`, read from the revision root, leaves it at some point (`a/../../x`, `../x`). */
export function climbsOut(location: string, os: AppSpec['os']): boolean {
  let depth = 0;
  for (const segment of location.split(os === 'windows' ? /[\\/]/ : '/')) {
    if (segment === '..') depth -= 1;
    else if (segment !== '' && segment !== '.') depth += 1;
    if (depth < 0) return true;
  }
  return false;
}

/** One warning per hook script whose location climbs out of the revision, at its key path. */
export function climbingLocationWarnings(spec: AppSpec): AppSpecProblem[] {
  const warnings: AppSpecProblem[] = [];
  for (const [event, scripts] of Object.entries(spec.hooks)) {
    scripts.forEach((script, i) => {
      if (!climbsOut(script.location, spec.os)) return;
      const message =
        `location "${script.location}" climbs out of the revision: CodeDeploy would make the host file it reaches executable and run it; ` +
        'the Deckhand agent refuses to run a script outside the revision (ScriptOutsideRevision)';
      warnings.push({ path: `hooks.${event}[${i}].location`, message });
    });
  }
  return warnings;
}
