import assert from 'node:assert/strict';
import { parseAppSpec } from '../../../../agent/src/appspec/parse.ts';
import type { AppSpec, AppSpecProblem } from '../../../../agent/src/appspec/types.ts';

const HEAD = 'version: 0.0\nos: linux\n';

function parse(text: string): { spec?: AppSpec; problems: AppSpecProblem[] } {
  const result = parseAppSpec(text, { os: 'linux' });
  return result.ok ? { spec: result.spec, problems: [] } : { problems: result.problems };
}

const files = (n: number): string => `${HEAD}files:\n${'  - {source: app, destination: /srv/app}\n'.repeat(n)}`;
const scripts = (event: string, n: number): string => `  ${event}:\n${'    - location: run.sh\n'.repeat(n)}`;
const permissions = (n: number, except = 'a'): string => `${HEAD}permissions:\n${`  - {object: /srv/app, except: [${except}]}\n`.repeat(n)}`;

describe('appspec list limits', () => {
  it('accepts 1000 files entries and refuses 1001, naming the list and its length', () => {
    assert.equal(parse(files(1000)).spec?.files.length, 1000);
    assert.deepEqual(parse(files(1001)).problems, [{ path: 'files', line: 4, message: 'files has 1001 entries, more than the limit of 1000' }]);
  });

  it('refuses an event with more than 100 scripts', () => {
    assert.equal(parse(`${HEAD}hooks:\n${scripts('AfterInstall', 100)}`).spec?.hooks['AfterInstall']?.length, 100);
    const [p] = parse(`${HEAD}hooks:\n${scripts('AfterInstall', 101)}`).problems;
    assert.deepEqual([p?.path, p?.message], ['hooks.AfterInstall', 'hooks.AfterInstall has 101 entries, more than the limit of 100']);
  });

  it('refuses hooks naming more than 100 events', () => {
    const events = Array.from({ length: 101 }, (_, i) => scripts(`Custom${i}`, 1)).join('');
    const [p] = parse(`${HEAD}hooks:\n${events}`).problems;
    assert.deepEqual([p?.path, p?.message], ['hooks', 'hooks names 101 events, more than the limit of 100']);
  });

  it('refuses more than 1000 permissions entries, and a list inside one longer than 1000', () => {
    assert.deepEqual(parse(permissions(1001)).problems.map((p) => p.message), ['permissions has 1001 entries, more than the limit of 1000']);
    const [p] = parse(permissions(1, Array.from({ length: 1001 }, (_, i) => `x${i}`).join(','))).problems;
    assert.deepEqual([p?.path, p?.message], ['permissions[0].except', 'except has 1001 entries, more than the limit of 1000']);
  });

  it('lists the first 100 problems of an appspec full of them and counts the rest', () => {
    const found = parse(`${HEAD}files:\n${'  - x\n'.repeat(1000)}permissions:\n${'  - y\n'.repeat(500)}`).problems;
    assert.equal(found.length, 101);
    assert.deepEqual(found[100], { path: '', message: 'and 1400 more problems (only the first 100 are listed)' });
  });
});
