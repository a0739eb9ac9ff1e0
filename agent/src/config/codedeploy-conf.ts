/**
 * codedeploy-local's `-c, --agent-configuration-file`: a CodeDeploy agent configuration file
 * (`codedeployagent.yml`, YAML with symbol keys such as `:root_dir:`). A local run takes its
 * `:root_dir:` as the state root; the file's other keys concern the CodeDeploy service and are
 * not read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The `:root_dir:` of the file, or undefined when it has none.
 * @throws the caller's error (via `fail`) when the file cannot be read or is not a YAML mapping,
 * with codedeploy-local's words.
 */
export function readCodeDeployRoot(file: string, fail: (m: string) => Error): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // Which of missing and unreadable it is does not change what the user must do.
    throw fail(`configuration file ${file} does not exist or is not readable`);
  }
  let conf: unknown;
  try {
    conf = parse(text, { version: '1.1' });
  } catch (err) {
    throw fail(`configuration file ${file} is not valid YAML: ${(err as Error).message.split('\n', 1)[0] ?? ''}`);
  }
  if (conf === null || conf === undefined) return undefined;
  if (typeof conf !== 'object' || Array.isArray(conf)) throw fail(`configuration file ${file} is not a YAML mapping of settings`);
  const root = (conf as Record<string, unknown>)[':root_dir'] ?? (conf as Record<string, unknown>)['root_dir'];
  if (root === undefined || root === null || root === '') return undefined;
  if (typeof root !== 'string') throw fail(`configuration file ${file}: :root_dir: must be a path`);
  return path.resolve(path.dirname(file), root);
}
