import assert from 'node:assert/strict';
import type { InstanceView } from '../../../../protocol/src/api.ts';
import { formatInstances } from '../../../../cli/src/format/instances.ts';

const now = new Date('2024-05-01T12:00:00Z');

function instance(hostname: string, extra: Partial<InstanceView> = {}): InstanceView {
  return { instanceId: `i-${hostname.toUpperCase()}XXXX`, hostname, tags: {}, connected: false, registeredAt: '2024-05-01T10:00:00Z', ...extra };
}

describe('instances format', () => {
  it('shows hostname, id, tags, connection, last seen, agent and OS sorted by hostname', () => {
    const text = formatInstances(
      [
        instance('web2'),
        instance('web1', {
          tags: { slot: '1', env: 'demo' },
          connected: true,
          lastSeen: '2024-05-01T11:59:55Z',
          agentVersion: '0.1.0',
          inventory: {
            hostname: 'web1',
            os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1' },
            arch: 'x64',
            cpus: 4,
            memoryBytes: 1,
            diskFreeBytes: 1,
            addresses: [],
            agentVersion: '0.1.0',
            nodeVersion: 'v20',
          },
        }),
      ],
      now,
    );
    const [head, first, second] = text.split('\n');
    assert.match(head ?? '', /^HOSTNAME\s+INSTANCE\s+TAGS\s+CONNECTED\s+LAST SEEN\s+AGENT\s+OS$/);
    assert.match(first ?? '', /^web1\s+i-WEB1XXXX\s+env=demo,slot=1\s+yes\s+5s ago\s+0\.1\.0\s+Debian GNU\/Linux 12 \(x64\)$/);
    assert.match(second ?? '', /^web2\s+i-WEB2XXXX\s+no\s+never$/);
  });

  it('says so when no host is registered', () => {
    assert.equal(formatInstances([], now), 'no instances registered');
  });
});
