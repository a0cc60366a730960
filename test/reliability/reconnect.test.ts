// The opt-in reconnect policy: after the server dies, pending calls reject ConnectionClosedError at
// once; once a server is back on the same address, the manager's next calls reconnect (backoff,
// bounded attempts) and work, while proxies of the lost connection fail saying why.
import { expect } from 'chai';
import { SyncManager, AuthenticationError, ConnectionClosedError, ValueError, type ManagerOptions } from '../../lib/index.js';
import { Child, killAll, rejectionOf, secondsSince, sleep } from './helpers.js';

describe('reliability: reconnecting after the server went away', function () {
  this.timeout(40_000);
  const children: Child[] = [];
  const managers: SyncManager[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    await killAll(children);
  });

  async function startServer(address: unknown = ['127.0.0.1', 0], authkey = 'test-key'): Promise<{ server: Child; address: any }> {
    const server = new Child('server.ts', { address }, { MPM_TEST_AUTHKEY: authkey });
    children.push(server);
    return { server, address: await server.line('listening') };
  }

  async function client(address: unknown, options: ManagerOptions): Promise<SyncManager> {
    const manager = new SyncManager({ address: address as ManagerOptions['address'], authkey: 'test-key', ...options });
    managers.push(manager);
    await manager.connect();
    return manager;
  }

  const FAST = { initialDelay: 0.05, maxDelay: 0.2, maxAttempts: 100 };

  /**
   * Kills the server and returns once `manager` has seen its connection go. The child's exit and
   * the client's EOF on its socket are separate events, in either order on a loaded machine: a call
   * made in between would go to the dying connection (ConnectionClosedError, but not from the
   * reconnect path under test). A call waiting on the server rejects only once the manager has
   * marked the connection lost.
   */
  async function killServer(server: Child, manager: SyncManager): Promise<void> {
    const waiting = rejectionOf((await manager.Queue()).get());
    await manager._numberOfObjects(); // the get has reached the server
    await server.kill();
    expect(await waiting).to.be.instanceOf(ConnectionClosedError);
  }

  it('continues once a server is back on the same address; old proxies fail clearly', async () => {
    const first = await startServer();
    const manager = await client(first.address, { reconnect: FAST });
    const oldList = await manager.list(['before']);
    const pending = rejectionOf((await manager.Queue()).get());
    await manager._numberOfObjects();
    const start = performance.now();
    await first.server.kill();
    expect(await pending).to.be.instanceOf(ConnectionClosedError);
    expect(secondsSince(start)).to.be.below(3);

    // The server comes back a little later; a call made meanwhile waits for it.
    const created = manager.list(['after']);
    await sleep(0.5);
    await startServer(first.address);
    const newList = await created;
    expect(await newList._getValue()).to.deep.equal(['after']);
    expect(await manager._numberOfObjects()).to.equal(1);

    const stale = await rejectionOf(oldList.append('x'));
    expect(stale).to.be.instanceOf(ConnectionClosedError);
    expect(stale.message).to.match(/reconnected.*make a new proxy/);
  });

  it('without the policy (the default), a lost connection stays lost', async () => {
    const first = await startServer();
    const manager = await client(first.address, {});
    await killServer(first.server, manager);
    await startServer(first.address);
    await sleep(0.2);
    expect(await rejectionOf(manager.list())).to.be.instanceOf(ConnectionClosedError);
  });

  it('gives up after maxAttempts with ConnectionClosedError, and tries again on a later call', async () => {
    const first = await startServer();
    const manager = await client(first.address, { reconnect: { initialDelay: 0.05, factor: 2, maxAttempts: 3 } });
    await killServer(first.server, manager);
    const start = performance.now();
    const error = await rejectionOf(manager.list());
    expect(error).to.be.instanceOf(ConnectionClosedError);
    expect(error.message).to.match(/after 3 attempt/);
    expect(secondsSince(start)).to.be.below(3); // waits of at most 0.05 + 0.1 s
    await startServer(first.address);
    expect(await (await manager.list([1]))._getValue()).to.deep.equal([1]);
  });

  it('stops retrying at once on AuthenticationError (the key does not heal)', async () => {
    const first = await startServer();
    const manager = await client(first.address, { reconnect: FAST });
    await killServer(first.server, manager);
    await startServer(first.address, 'another-key');
    expect(await rejectionOf(manager.list())).to.be.instanceOf(AuthenticationError);
  });

  it('close() during a reconnection ends it: the waiting call rejects at once', async () => {
    const first = await startServer();
    const manager = await client(first.address, { reconnect: { ...FAST, maxAttempts: null } });
    await killServer(first.server, manager);
    const waiting = manager.list();
    await sleep(0.3);
    const start = performance.now();
    await manager.close();
    expect(await rejectionOf(waiting)).to.be.instanceOf(ConnectionClosedError);
    expect(secondsSince(start)).to.be.below(1);
  });

  it('refuses an invalid policy with ValueError', () => {
    expect(() => new SyncManager({ reconnect: { maxAttempts: 0 } })).to.throw(ValueError);
    expect(() => new SyncManager({ reconnect: { initialDelay: 2, maxDelay: 1 } })).to.throw(ValueError);
  });
});
