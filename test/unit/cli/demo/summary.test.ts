import assert from 'node:assert/strict';
import { formatDemoSummary, scriptsLogPath, type DemoSummaryInput } from '../../../../cli/src/demo/summary.ts';
import { deployment, ev, target } from '../helpers.ts';

function input(keep: boolean): DemoSummaryInput {
  const host = target('demo-host-1', 'Succeeded');
  host.lifecycleEvents = [
    ev('ApplicationStop', 'Skipped'),
    ev('BeforeInstall', 'Succeeded', { startTime: '2024-05-01T12:00:00.000Z', endTime: '2024-05-01T12:00:00.250Z' }),
  ];
  return {
    view: { ...deployment('Succeeded', [host]), startTime: '2024-05-01T12:00:00.000Z', completeTime: '2024-05-01T12:00:02.000Z' },
    totalMs: 9_500,
    adminToken: 'dh_admin',
    tmpDir: '/tmp/deckhand-demo-x',
    coordinator: { url: 'https://127.0.0.1:1234', caSha256: 'ab'.repeat(32), dataDir: '/tmp/deckhand-demo-x/coordinator', logFile: '/tmp/deckhand-demo-x/coordinator.out.log' },
    agents: [
      { slot: 1, hostname: 'demo-host-1', root: '/tmp/d/agent-1/root', destRoot: '/tmp/d/agent-1/dest', logFile: '/tmp/d/agent-1/agent.out.log' },
    ],
    deploymentGroupId: 'dg-GROUP0001',
    keep,
    filesKept: false,
  };
}

describe('demo summary', () => {
  it('gives the outcome, per-host events with durations (status only when not Succeeded) and the total time', () => {
    const text = formatDemoSummary(input(false));
    assert.match(text, /Deployment d-TESTDEPLOY1: Succeeded in 2\.0s \(CodeDeployDefault\.HalfAtATime\), demo total 9\.5s/);
    assert.match(text, /demo-host-1 \(i-DEMOHOST1\): Succeeded\n {4}ApplicationStop Skipped, BeforeInstall 250ms/);
  });

  it('says where the files, hook output and logs are', () => {
    const text = formatDemoSummary(input(false));
    assert.match(text, /files in \/tmp\/d\/agent-1\/dest\/srv\/demo-app/);
    assert.match(text, /hook output \/tmp\/d\/agent-1\/root\/deployments\/dg-GROUP0001\/d-TESTDEPLOY1\/logs\/scripts\.log/);
    assert.match(text, /coordinator: data \/tmp\/deckhand-demo-x\/coordinator, log \/tmp\/deckhand-demo-x\/coordinator\/logs\/coordinator\.log/);
  });

  it('shows how to look further with the CLI', () => {
    const text = formatDemoSummary(input(true));
    assert.match(text, /DECKHAND_URL=https:\/\/127\.0\.0\.1:1234 DECKHAND_CA_SHA256=(ab){32} DECKHAND_TOKEN=dh_admin node bin\/deckhand\.js status d-TESTDEPLOY1/);
    assert.doesNotMatch(text, /removed on exit/);
  });

  it('warns that the folder is removed unless --keep', () => {
    assert.match(formatDemoSummary(input(false)), /removed on exit; run 'npm run demo -- --keep'/);
  });

  it('puts scripts.log where the agent keeps a deployment', () => {
    const agent = input(false).agents[0]!;
    assert.equal(scriptsLogPath(agent, 'dg-A', 'd-B'), '/tmp/d/agent-1/root/deployments/dg-A/d-B/logs/scripts.log');
  });
});
