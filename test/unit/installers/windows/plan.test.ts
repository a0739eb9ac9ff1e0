import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { planFromArgs } from '../../../../installers/windows/main.ts';
import { windowsInstallPlan, type WindowsPlanInput } from '../../../../installers/windows/plan.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const INPUT: WindowsPlanInput = {
  programFiles: 'C:\\Program Files',
  programData: 'C:\\ProgramData',
  nodeExe: 'C:\\Program Files\\nodejs\\node.exe',
  releaseId: '0123456789ab',
};

describe('the Windows install plan', function () {
  it('installs the agent under %ProgramFiles%\\Deckhand and its state under %ProgramData%\\Deckhand', function () {
    const plan = windowsInstallPlan(INPUT);
    assert.equal(plan.releaseDir, 'C:\\Program Files\\Deckhand\\releases\\0123456789ab');
    assert.equal(plan.agentScript, 'C:\\Program Files\\Deckhand\\releases\\0123456789ab\\bin\\deckhand-agent.js');
    assert.equal(plan.stateDir, 'C:\\ProgramData\\Deckhand');
    assert.equal(plan.logDir, 'C:\\ProgramData\\Deckhand\\logs');
    assert.equal(plan.winswExe, 'C:\\Program Files\\Deckhand\\deckhand-agent.exe');
    assert.equal(plan.serviceXmlPath, 'C:\\Program Files\\Deckhand\\deckhand-agent.xml');
  });

  it('runs node.exe on the agent with the state directory, quoting paths with spaces', function () {
    const xml = windowsInstallPlan(INPUT).serviceXml;
    assert.match(xml, /<executable>C:\\Program Files\\nodejs\\node\.exe<\/executable>/);
    assert.match(xml, /<arguments>--max-semi-space-size=1 --optimize-for-size "C:\\Program Files\\Deckhand\\releases\\0123456789ab\\bin\\deckhand-agent\.js" run --root C:\\ProgramData\\Deckhand<\/arguments>/);
  });

  it('runs the node.exe the package carries when no -Node is given', function () {
    const { nodeExe: _given, ...withoutNode } = INPUT;
    const plan = windowsInstallPlan(withoutNode);
    assert.equal(plan.nodeExe, 'C:\\Program Files\\Deckhand\\releases\\0123456789ab\\runtime\\node.exe');
    assert.match(plan.serviceXml, /<executable>C:\\Program Files\\Deckhand\\releases\\0123456789ab\\runtime\\node\.exe<\/executable>/);
  });

  it('restarts the service after every failure, backing off, and forgets failures after an hour', function () {
    const xml = windowsInstallPlan(INPUT).serviceXml;
    const delays = [...xml.matchAll(/<onfailure action="restart" delay="([^"]+)"\/>/g)].map((m) => m[1]);
    assert.deepEqual(delays, ['5 sec', '30 sec', '2 min']);
    assert.match(xml, /<resetfailure>1 hour<\/resetfailure>/);
    assert.match(xml, /<startmode>Automatic<\/startmode>/);
  });

  it('stops the agent gracefully first and logs to the log directory, rolled by size', function () {
    const xml = windowsInstallPlan(INPUT).serviceXml;
    assert.match(xml, /<stopparentprocessfirst>true<\/stopparentprocessfirst>\r\n\s*<stoptimeout>1 min<\/stoptimeout>/);
    assert.match(xml, /<logpath>C:\\ProgramData\\Deckhand\\logs<\/logpath>\r\n\s*<log mode="roll-by-size">/);
  });

  it('sets SCM recovery with sc.exe, including for non-crash failures', function () {
    assert.deepEqual(windowsInstallPlan(INPUT).recovery, [
      ['failure', 'deckhand-agent', 'reset=', '3600', 'actions=', 'restart/5000/restart/30000/restart/120000'],
      ['failureflag', 'deckhand-agent', '1'],
    ]);
  });

  it('escapes XML-special characters in paths', function () {
    const xml = windowsInstallPlan({ ...INPUT, programData: 'D:\\R&D <data>' }).serviceXml;
    assert.match(xml, /<workingdirectory>D:\\R&amp;D &lt;data&gt;\\Deckhand<\/workingdirectory>/);
  });

  it('matches the definition checked in as windows/deckhand-agent.xml', function () {
    assert.equal(windowsInstallPlan(INPUT).serviceXml, readFileSync(path.join(REPO, 'windows', 'deckhand-agent.xml'), 'utf8'));
  });

  it('refuses a relative path, naming the option', function () {
    assert.throws(() => windowsInstallPlan({ ...INPUT, programData: 'ProgramData' }), /--program-data must be an absolute Windows path, got "ProgramData"/);
  });

  it('refuses a release id that is not 12 hex digits', function () {
    assert.throws(() => windowsInstallPlan({ ...INPUT, releaseId: '..\\..\\x' }), /--release-id must be 12 lowercase hex digits/);
  });

  it('reads the plan from install.ps1\'s command line', function () {
    const { plan, write } = planFromArgs(['plan', '--program-files', 'C:\\PF', '--program-data', 'C:\\PD', '--node', 'C:\\n\\node.exe', '--release-id', 'abcdef012345', '--write']);
    assert.equal(plan.stateDir, 'C:\\PD\\Deckhand');
    assert.equal(write, true);
  });

  it('names a missing option on install.ps1\'s command line', function () {
    assert.throws(() => planFromArgs(['plan', '--program-files', 'C:\\PF']), /--program-data is required/);
  });
});
