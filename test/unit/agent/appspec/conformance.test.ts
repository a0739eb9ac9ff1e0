import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAppSpec } from '../../../../agent/src/appspec/parse.ts';
import type { AppSpecOs } from '../../../../agent/src/appspec/types.ts';

interface ConformanceCase {
  file: string;
  os: AppSpecOs;
  valid: boolean;
  errorMentions?: string[];
  note?: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const casesDir = path.resolve(repoRoot, 'test', 'fixtures', 'conformance', 'appspec');
const { cases } = JSON.parse(fs.readFileSync(path.join(casesDir, 'cases.json'), 'utf8')) as { cases: ConformanceCase[] };

describe('appspec conformance cases', () => {
  it('finds the conformance cases', () => {
    assert.ok(cases.length > 30);
  });

  for (const c of cases) {
    const title = c.valid
      ? `accepts ${c.file} on ${c.os}${c.note ? ` (${c.note})` : ''}`
      : `refuses ${c.file} on ${c.os}, mentioning ${(c.errorMentions ?? []).join(', ')}`;
    it(title, () => {
      const result = parseAppSpec(fs.readFileSync(path.join(casesDir, c.file), 'utf8'), { os: c.os });
      if (c.valid) {
        assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.problems));
        return;
      }
      assert.equal(result.ok, false);
      if (result.ok) return;
      const messages = result.problems.map((p) => p.message.toLowerCase()).join('\n');
      for (const word of c.errorMentions ?? []) assert.ok(messages.includes(word.toLowerCase()), `"${word}" not in: ${messages}`);
    });
  }
});
