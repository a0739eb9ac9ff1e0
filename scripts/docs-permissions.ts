/**
 * Writes the table of who may call what (coordinator/src/api/route-policies.ts) into README.md.
 * `npm run docs:permissions`; a test fails while the README differs from the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withPolicyTable } from '../coordinator/src/api/route-policies-doc.ts';

const readme = path.join(import.meta.dirname, '..', 'README.md');
const before = fs.readFileSync(readme, 'utf8');
const after = withPolicyTable(before);
if (after === before) {
  process.stdout.write('README.md permissions table is up to date\n');
} else {
  fs.writeFileSync(readme, after);
  process.stdout.write('README.md permissions table rewritten\n');
}
