import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireTool } from '../../support/requirements.ts';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../../common/src/agent-process.ts';

const UNITS = path.resolve(import.meta.dirname, '..', '..', '..', 'systemd');

function unit(name: string): string {
  return fs.readFileSync(path.join(UNITS, name), 'utf8');
}

/** `systemd-analyze verify` of `name`, with node at this machine's path (verify checks ExecStart's binary). */
function verifyUnit(file: string): { status: number | null; output: string } {
  const res = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout}${res.stderr}`.trim() };
}

describe('the systemd units', function () {
  for (const name of ['deckhand-agent.service', 'deckhand-coordinator.service']) {
    it(`${name} passes systemd-analyze verify without a warning`, function () {
      requireTool(this, 'systemd-analyze', 'systemd');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-units-'));
      try {
        const file = path.join(dir, name);
        fs.writeFileSync(file, unit(name).replace(/^ExecStart=\S+ /m, `ExecStart=${process.execPath} `));
        const { status, output } = verifyUnit(file);
        assert.equal(status, 0, output);
        // verify exits 0 on unknown keys and bad values; it only warns, so any output is a failure.
        assert.equal(output, '');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('restarts the agent always, and lets its hook processes outlive it', function () {
    const text = unit('deckhand-agent.service');
    for (const line of ['Restart=always', 'RestartSec=5s', 'StartLimitIntervalSec=0', 'KillMode=process', 'StandardOutput=journal']) {
      assert.match(text, new RegExp(`^${line}$`, 'm'));
    }
  });

  it('starts the agent with the Node.js options and environment the agent process is tuned with', function () {
    const text = unit('deckhand-agent.service');
    const execStart = /^ExecStart=(.*)$/m.exec(text)?.[1]?.split(' ') ?? [];
    assert.deepEqual(execStart.slice(1, 1 + AGENT_NODE_FLAGS.length), [...AGENT_NODE_FLAGS]);
    for (const [name, value] of Object.entries(AGENT_ENV)) assert.match(text, new RegExp(`^Environment=${name}=${value}$`, 'm'));
  });

  it('does not sandbox the agent, whose hooks run inside its unit', function () {
    assert.doesNotMatch(unit('deckhand-agent.service'), /^(User|DynamicUser|ProtectSystem|PrivateTmp|NoNewPrivileges)=/m);
  });

  it('runs the coordinator without root, hardened, restarting always', function () {
    const text = unit('deckhand-coordinator.service');
    for (const line of ['DynamicUser=yes', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'CapabilityBoundingSet=', 'Restart=always']) {
      assert.match(text, new RegExp(`^${line}$`, 'm'));
    }
  });
});
