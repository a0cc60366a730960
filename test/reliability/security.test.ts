// Claims of SECURITY.md that no other test covers: where a server listens by default, that a
// recorded handshake cannot be replayed, what an authenticated client can make a SyncManager server
// do, and how a narrower manager class takes that away.
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BaseManager, SyncManager, ManagerError, PermissionError, type ListProxy } from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw.js';
import { Child, killAll, rejectionOf } from './helpers.js';

describe('reliability: security claims', function () {
  this.timeout(30_000);
  const children: Child[] = [];
  afterEach(() => killAll(children));

  it('a server listens on loopback (127.0.0.1) unless given another address', async () => {
    const server = new SyncManager({ authkey: 'k' }).getServer();
    const address = await server.listen();
    expect(address[0]).to.equal('127.0.0.1');
    await server.close();
  });

  describe('the handshake', () => {
    let served: Served<SyncManager>;
    beforeEach(async () => {
      served = await serve(SyncManager);
    });
    afterEach(() => served.close());

    it('cannot be replayed: an answer recorded on one connection is refused on the next', async () => {
      const first = await RawClient.connect(served.address);
      const challenge = await first.readFrame();
      const recorded = Buffer.concat([
        Buffer.from('{sha256}'),
        createHmac('sha256', served.authkey).update(challenge.subarray('#CHALLENGE#'.length)).digest(),
      ]);
      first.close();
      const second = await RawClient.connect(served.address);
      const fresh = await second.readFrame();
      expect(fresh.equals(challenge)).to.equal(false); // a new random nonce every time
      second.sendFrame(recorded);
      expect((await second.readFrame()).toString()).to.equal('#FAILURE#');
      await second.closedPromise;
    });
  });

  it('object ids are not capabilities: any authenticated client can call any object by its id', async () => {
    const served = await serve(SyncManager);
    try {
      const owner = await served.client();
      const list = await owner.list(['private?']);
      const stranger = await RawClient.authenticated(served.address, served.authkey);
      stranger.sendMessage([0, 1, list._token.id, 'append', ['no'], null]);
      await stranger.readFrame();
      expect(await list._getValue()).to.deep.equal(['private?', 'no']);
      stranger.close();
    } finally {
      await served.close();
    }
  });

  it('Pool runs no module the server was not given: PermissionError by default', async () => {
    const server = new Child('server.ts', {}, { MPM_TEST_SERVER_SECRET: 'only-the-server-knows' });
    children.push(server);
    const manager = new SyncManager({ address: await server.line('listening'), authkey: 'test-key' });
    await manager.connect();
    try {
      const module = fileURLToPath(new URL('./fixtures/serverSide.ts', import.meta.url));
      for (const named of [module, new URL('./fixtures/serverSide.ts', import.meta.url).href, 'node_modules/tsx/dist/cli.mjs']) {
        const error = await rejectionOf(manager.Pool(1, { module: named }));
        expect(error).to.be.instanceOf(PermissionError);
        expect(error.message).to.match(/poolModules/);
      }
      expect(await manager._numberOfObjects()).to.equal(0);
    } finally {
      await manager.close();
    }
  });

  it('the authkey is a code-execution credential for the poolModules: a client makes the server run their exports', async () => {
    const module = fileURLToPath(new URL('./fixtures/serverSide.ts', import.meta.url));
    const server = new Child('server.ts', { options: { poolModules: [module] } }, { MPM_TEST_SERVER_SECRET: 'only-the-server-knows' });
    children.push(server);
    const manager = new SyncManager({ address: await server.line('listening'), authkey: 'test-key' });
    await manager.connect();
    try {
      const pool = await manager.Pool(1, { module: new URL('./fixtures/serverSide.ts', import.meta.url).href });
      const ran = await pool.apply<{ pid: number; value: string }>('whereAmI', ['MPM_TEST_SERVER_SECRET']);
      expect(ran).to.deep.equal({ pid: server.pid, value: 'only-the-server-knows' });
      await pool.terminate();
    } finally {
      await manager.close();
    }
  });

  it('a manager class that registers only its own types offers no Pool (nor anything else)', async () => {
    class Narrow extends BaseManager {}
    Narrow.register('list', { callable: () => [] });
    const served = await serve(Narrow);
    try {
      const client = await served.client();
      const list = (await client._create('list')) as ListProxy;
      await list.append(1);
      for (const typeid of ['Pool', 'Queue', 'dict']) {
        const error = await rejectionOf(client._create(typeid, [1, { module: 'anything' }]));
        expect(error).to.be.instanceOf(ManagerError);
        expect(error.message).to.match(/unknown typeid/);
      }
    } finally {
      await served.close();
    }
  });
});
