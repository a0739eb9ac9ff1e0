/**
 * `node lib\windows-service.mjs plan --program-files DIR --program-data DIR --node EXE
 * --release-id ID [--write]`: prints the Windows install plan as JSON for install.ps1, and with
 * --write also writes the WinSW service definition where the plan says. Bundled into the
 * Windows agent package; exit 2 on bad arguments, naming what is wrong.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DeckhandError } from '../../protocol/src/index.ts';
import { windowsInstallPlan, type WindowsPlan } from './plan.ts';

const USAGE = 'usage: windows-service plan --program-files DIR --program-data DIR [--node EXE] --release-id ID [--write]';

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new DeckhandError('VALIDATION_FAILED', `--${name} is required`);
  return value;
}

/** Parses `argv` and computes the plan; throws DeckhandError on bad arguments. */
export function planFromArgs(argv: readonly string[]): { plan: WindowsPlan; write: boolean } {
  const [command, ...rest] = argv;
  if (command !== 'plan') throw new DeckhandError('VALIDATION_FAILED', `unknown command "${command ?? ''}"; ${USAGE}`);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...rest],
      options: {
        'program-files': { type: 'string' },
        'program-data': { type: 'string' },
        node: { type: 'string' },
        'release-id': { type: 'string' },
        write: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new DeckhandError('VALIDATION_FAILED', `${(err as Error).message}; ${USAGE}`);
  }
  const plan = windowsInstallPlan({
    programFiles: required(values, 'program-files'),
    programData: required(values, 'program-data'),
    ...(typeof values['node'] === 'string' ? { nodeExe: values['node'] } : {}),
    releaseId: required(values, 'release-id'),
  });
  return { plan, write: values['write'] === true };
}

function main(argv: readonly string[]): number {
  let parsed;
  try {
    parsed = planFromArgs(argv);
  } catch (err) {
    if (!(err instanceof DeckhandError)) throw err;
    process.stderr.write(`windows-service: ${err.message}\n`);
    return 2;
  }
  const { plan, write } = parsed;
  if (write) {
    fs.mkdirSync(plan.installDir, { recursive: true });
    fs.writeFileSync(plan.serviceXmlPath, plan.serviceXml);
  }
  process.stdout.write(`${JSON.stringify(plan)}\n`);
  return 0;
}

if (process.argv[1] && /windows-service\.mjs$|windows[\\/]main\.ts$/.test(process.argv[1])) {
  process.exit(main(process.argv.slice(2)));
}
