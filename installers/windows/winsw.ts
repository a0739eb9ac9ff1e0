/**
 * The WinSW service definition of the agent (`deckhand-agent.xml`, read by `deckhand-agent.exe`,
 * a renamed WinSW 2.x). WinSW because Node cannot answer the Service Control Manager itself
 * (`sc create ... node.exe` fails with error 1053); see windows/README.md for the choice.
 */
import { quoteWindowsArg } from '../../agent/src/hooks/command-line.win32.ts';

/** One SCM failure action: restart after `delaySeconds`. */
export interface RestartAction {
  delaySeconds: number;
}

/** What the service definition is made of. */
export interface ServiceDefinition {
  id: string;
  displayName: string;
  description: string;
  /** Absolute path of node.exe. */
  nodeExe: string;
  /** Options given to node.exe before the agent's script. */
  nodeArgs: readonly string[];
  /** Absolute path of the agent's launcher, bin\deckhand-agent.js of the installed release. */
  agentScript: string;
  /** The agent's --root: journal, identity, deployments and logs\agent.log. */
  stateDir: string;
  /** Where WinSW writes the service's stdout/stderr logs. */
  logDir: string;
  /** Restart actions, in order; the last one repeats for every later failure. */
  restarts: readonly RestartAction[];
  /** Seconds without a failure after which the failure count resets. */
  resetFailureSeconds: number;
  /** Seconds WinSW waits after Ctrl+C before terminating the agent. */
  stopTimeoutSeconds: number;
  env: Readonly<Record<string, string>>;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for an XML attribute value. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/** Escapes text for XML element content (quotes may stay, which keeps arguments readable). */
function xmlText(text: string): string {
  return text.replace(/[&<>]/g, (c) => XML_ESCAPES[c] ?? c);
}

/** A WinSW duration: `5 sec`, `2 min`, `1 hour`. */
function duration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} hour`;
  return seconds >= 60 && seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} sec`;
}

/** The WinSW XML of `def`. */
export function renderWinswXml(def: ServiceDefinition): string {
  const args = [...def.nodeArgs, def.agentScript, 'run', '--root', def.stateDir].map(quoteWindowsArg).join(' ');
  const lines = [
    '<service>',
    `  <id>${xmlText(def.id)}</id>`,
    `  <name>${xmlText(def.displayName)}</name>`,
    `  <description>${xmlText(def.description)}</description>`,
    `  <executable>${xmlText(def.nodeExe)}</executable>`,
    `  <arguments>${xmlText(args)}</arguments>`,
    `  <workingdirectory>${xmlText(def.stateDir)}</workingdirectory>`,
    '  <startmode>Automatic</startmode>',
    '  <delayedAutoStart>true</delayedAutoStart>',
    // The agent gets Ctrl+C (SIGINT in Node) first and shuts down cleanly; WinSW kills it after this.
    '  <stopparentprocessfirst>true</stopparentprocessfirst>',
    `  <stoptimeout>${duration(def.stopTimeoutSeconds)}</stoptimeout>`,
    ...def.restarts.map((r) => `  <onfailure action="restart" delay="${duration(r.delaySeconds)}"/>`),
    `  <resetfailure>${duration(def.resetFailureSeconds)}</resetfailure>`,
    ...Object.entries(def.env).map(([k, v]) => `  <env name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`),
    `  <logpath>${xmlText(def.logDir)}</logpath>`,
    '  <log mode="roll-by-size">',
    '    <sizeThreshold>10240</sizeThreshold>',
    '    <keepFiles>8</keepFiles>',
    '  </log>',
    '</service>',
  ];
  return `${lines.join('\r\n')}\r\n`;
}
