/**
 * Deployment configurations the coordinator knows. Only the built-in ones exist so far.
 */
import { BUILTIN_DEPLOYMENT_CONFIGS } from '../../../../protocol/src/index.ts';
import { FieldError } from '../errors.ts';

const KNOWN: ReadonlySet<string> = new Set(BUILTIN_DEPLOYMENT_CONFIGS);

/** Throws a 400 naming deploymentConfigName unless `canonicalName` is a known configuration. */
export function assertKnownConfig(canonicalName: string): void {
  if (!KNOWN.has(canonicalName)) {
    throw new FieldError(
      'VALIDATION_FAILED',
      'deploymentConfigName',
      `deploymentConfigName: unknown deployment configuration ${canonicalName} (known: ${[...KNOWN].join(', ')})`,
    );
  }
}
