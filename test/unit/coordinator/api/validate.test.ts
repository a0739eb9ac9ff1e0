import assert from 'node:assert/strict';
import { CreateDeploymentRequest } from '../../../../protocol/src/index.ts';
import { FieldError } from '../../../../coordinator/src/api/errors.ts';
import { parseInput } from '../../../../coordinator/src/api/validate.ts';

function fieldErrorOf(fn: () => unknown): FieldError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FieldError) return err;
    throw err;
  }
  throw new Error('expected a FieldError');
}

describe('parseInput', () => {
  it('names a missing field as Required', () => {
    const err = fieldErrorOf(() => parseInput(CreateDeploymentRequest, { applicationName: 'web', revisionId: 'r-AAAAAAAA' }));
    assert.equal(err.code, 'VALIDATION_FAILED');
    assert.equal(err.field, 'deploymentGroupName');
    assert.equal(err.message, 'deploymentGroupName: Required');
  });

  it('names a field of the wrong type with zod\'s message', () => {
    const err = fieldErrorOf(() =>
      parseInput(CreateDeploymentRequest, { applicationName: 'web', deploymentGroupName: 'g', revisionId: 'r-AAAAAAAA', ignoreApplicationStopFailures: 'yes' }),
    );
    assert.equal(err.field, 'ignoreApplicationStopFailures');
    assert.match(err.message, /^ignoreApplicationStopFailures: .*boolean/);
  });

  it('names an unknown field', () => {
    const err = fieldErrorOf(() =>
      parseInput(CreateDeploymentRequest, { applicationName: 'web', deploymentGroupName: 'g', revisionId: 'r-AAAAAAAA', bogus: 1 }),
    );
    assert.equal(err.field, 'bogus');
    assert.equal(err.message, 'bogus: unknown field');
  });

  it('names a nested field by its dotted path', () => {
    const err = fieldErrorOf(() =>
      parseInput(CreateDeploymentRequest, { applicationName: 'web', deploymentGroupName: 'g', revisionId: 'r-AAAAAAAA', parameters: { '1bad': 'x' } }),
    );
    assert.match(err.field, /^parameters/);
  });

  it('names the whole body when it is missing', () => {
    const err = fieldErrorOf(() => parseInput(CreateDeploymentRequest, undefined));
    assert.equal(err.field, 'body');
    assert.equal(err.message, 'body: Required');
  });

  it('returns the parsed value with defaults filled in', () => {
    const value = parseInput(CreateDeploymentRequest, { applicationName: 'web', deploymentGroupName: 'g', revisionId: 'r-AAAAAAAA' });
    assert.equal(value.fileExistsBehavior, 'DISALLOW');
    assert.deepEqual(value.parameters, {});
  });
});
