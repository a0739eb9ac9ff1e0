import assert from 'node:assert/strict';
import os from 'node:os';
import { lookupPosixUser, parsePasswdLine, posixIdentity } from '../../../../agent/src/hooks/runas.posix.ts';
import type { IdentityInput, RunAsUser } from '../../../../agent/src/hooks/runas.posix.ts';
import { nodeSpawner } from '../../../../agent/src/hooks/spawner.ts';

const app: RunAsUser = { name: 'app', uid: 1001, gid: 1002, home: '/home/app', shell: '/bin/bash' };
const tools = { setpriv: '/usr/bin/setpriv', sudo: '/usr/bin/sudo' };
const input = (over: Partial<IdentityInput>): IdentityInput => ({
  user: app,
  sudo: false,
  privileged: true,
  currentUser: 'root',
  tools,
  ...over,
});
const appEnv = { HOME: '/home/app', USER: 'app', LOGNAME: 'app', SHELL: '/bin/bash' };

describe('posixIdentity', () => {
  it('switches with setpriv, ids and groups, and sets the login variables when the agent is root', () => {
    assert.deepEqual(posixIdentity(input({})), {
      prefix: ['/usr/bin/setpriv', '--reuid=1001', '--regid=1002', '--init-groups', '--'],
      env: appEnv,
    });
  });

  it('does not use sudo when the agent is root, since it would only strip the environment', () => {
    assert.deepEqual(posixIdentity(input({ user: undefined, sudo: true })), { prefix: [], env: {} });
    assert.equal((posixIdentity(input({ sudo: true })) as { prefix: string[] }).prefix[0], '/usr/bin/setpriv');
  });

  it('runs through sudo -n -E -u when the agent is not root and sudo is set', () => {
    assert.deepEqual(posixIdentity(input({ privileged: false, sudo: true })), {
      prefix: ['/usr/bin/sudo', '-n', '-E', '-u', 'app', '--'],
      env: appEnv,
    });
  });

  it('runs through sudo -n -E as root for sudo without runas when the agent is not root', () => {
    assert.deepEqual(posixIdentity(input({ user: undefined, sudo: true, privileged: false })), {
      prefix: ['/usr/bin/sudo', '-n', '-E', '--'],
      env: {},
    });
  });

  it('refuses to switch users from an unprivileged agent without sudo, naming the agent user', () => {
    assert.equal(
      posixIdentity(input({ privileged: false, currentUser: 'deckhand' })),
      'the agent runs as deckhand, not root, so it cannot switch users: run it as root, or set sudo: true on the script (with a sudoers rule allowing it)',
    );
  });

  it('says which tool is missing', () => {
    assert.match(String(posixIdentity(input({ tools: { setpriv: undefined, sudo: undefined } }))), /needs setpriv \(util-linux\)/);
    assert.match(String(posixIdentity(input({ privileged: false, sudo: true, tools: { setpriv: undefined, sudo: undefined } }))), /needs sudo/);
  });
});

describe('parsePasswdLine', () => {
  it('reads name, ids, home and shell', () => {
    assert.deepEqual(parsePasswdLine('app:x:1001:1002:App User,,,:/home/app:/bin/bash\n'), app);
  });

  it('refuses a line that is not a passwd entry', () => {
    assert.equal(parsePasswdLine('garbage'), undefined);
    assert.equal(parsePasswdLine('a:x:u:1:g:/h:/s'), undefined);
  });
});

describe('lookupPosixUser', () => {
  it('finds an existing user with its uid and home', async () => {
    const me = os.userInfo();
    const found = await lookupPosixUser(nodeSpawner, me.username);
    assert.equal(typeof found, 'object');
    assert.equal((found as RunAsUser).uid, me.uid);
    assert.equal((found as RunAsUser).home, me.homedir);
  });

  it('names a user that does not exist', async () => {
    assert.equal(await lookupPosixUser(nodeSpawner, 'no-such-user-dh'), 'user no-such-user-dh does not exist');
  });

  it('refuses a name that is not a user name without running anything', async () => {
    const spawner = { spawn: () => assert.fail('must not spawn') };
    assert.equal(await lookupPosixUser(spawner, '-rf x'), '"-rf x" is not a valid user name');
  });
});
