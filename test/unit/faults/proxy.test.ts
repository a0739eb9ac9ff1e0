/**
 * The fault suite's TCP proxy on real loopback sockets: a drop closes with FIN, a reset with RST,
 * and a blackhole passes no byte and no close either way on the connections it caught.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { waitFor } from '../../e2e/cluster.ts';
import { FaultProxy } from '../../faults/proxy.ts';

/** An upstream that echoes, keeping its side of each connection. */
async function echoServer(): Promise<{ server: net.Server; port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}

/** A client through the proxy that has seen one echo (so both sides are piped). */
async function connected(proxy: FaultProxy): Promise<{ socket: net.Socket; received: Buffer[]; outcome: Promise<string> }> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  const received: Buffer[] = [];
  const outcome = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
    socket.on('end', () => resolve('end'));
  });
  socket.on('data', (d) => received.push(d));
  socket.write('ping');
  await waitFor('the echo', () => (Buffer.concat(received).toString() === 'ping' ? true : undefined), 5000);
  return { socket, received, outcome };
}

describe('the fault proxy (real loopback sockets)', function () {
  let upstream: Awaited<ReturnType<typeof echoServer>>;
  let proxy: FaultProxy;

  beforeEach(async () => {
    upstream = await echoServer();
    proxy = new FaultProxy(upstream.port);
    await proxy.start();
  });

  afterEach(async () => {
    await proxy.stop();
    for (const s of upstream.sockets) s.destroy();
    await new Promise((r) => upstream.server.close(r));
  });

  it('drop closes an open connection with FIN: the client reads its end', async () => {
    const { outcome } = await connected(proxy);
    proxy.drop(60_000);
    assert.equal(await outcome, 'end');
  });

  it('reset resets an open connection (RST) and every new one while it lasts', async () => {
    const { outcome } = await connected(proxy);
    proxy.reset(60_000);
    assert.equal(await outcome, 'error ECONNRESET');
    const late = net.connect(proxy.port, '127.0.0.1');
    const lateOutcome = await new Promise<string>((resolve) => {
      late.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
      late.on('end', () => resolve('end'));
    });
    assert.equal(lateOutcome, 'error ECONNRESET');
  });

  it('blackhole passes no byte either way and no close from either side; each side is let go when it closes', async () => {
    const { socket, received } = await connected(proxy);
    assert.equal(proxy.stats().openSockets, 2);
    proxy.blackhole(60_000);
    socket.write('lost');
    await waitFor('the client bytes to be swallowed', () => (proxy.stats().swallowedBytes >= 4 ? true : undefined), 5000);
    upstream.sockets[0]!.write('also lost');
    await waitFor('the upstream bytes to be swallowed', () => (proxy.stats().swallowedBytes >= 4 + 9 ? true : undefined), 5000);
    // The coordinator side closes: the proxy lets its own upstream socket go, and keeps the client's open.
    upstream.sockets[0]!.end();
    await waitFor('the proxy to see the upstream close', () => (proxy.stats().openSockets < 2 ? true : undefined), 5000);
    assert.equal(proxy.stats().openSockets, 1, 'the close was passed on to the client');
    assert.equal(socket.readableEnded, false);
    assert.equal(Buffer.concat(received).toString(), 'ping');
    socket.destroy();
    await waitFor('the proxy to let the client side go', () => (proxy.stats().openSockets === 0 ? true : undefined), 5000);
  });

  it('blackhole takes new connections while it lasts without passing them upstream', async () => {
    proxy.blackhole(60_000);
    const late = net.connect(proxy.port, '127.0.0.1');
    late.on('error', () => undefined);
    late.write('nobody hears this');
    await waitFor('the bytes to be swallowed', () => (proxy.stats().swallowedBytes >= 17 ? true : undefined), 5000);
    assert.equal(upstream.sockets.length, 0);
    late.destroy();
  });
});
