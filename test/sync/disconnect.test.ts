// When a client dies mid-call (issue 3, §3). Each case runs a real child process
// (test/fixtures/sync/scriptedClient.ts) that connects, starts its calls, prints READY once they have
// all reached the server, and is then killed with SIGKILL. The parent waits until the server has
// noticed the closed connection, then checks that nothing was handed to the dead client and that
// what it held was released (or, with releaseOnDisconnect: false, kept as CPython does). One more
// case uses a raw client that half-closes, for the moment between a client's EOF and the end of
// its socket.
import { expect } from 'chai';
import { decode, encode } from '@msgpack/msgpack';
import { MessageType } from '../../lib/protocol.js';
import { SyncManager, BrokenBarrierError, Empty, RuntimeError, type AcquirerProxy } from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw.js';
import { ChildClient, rejectionOf, settledYet, shareWith, startScriptedClient, timed, untilConnections } from './helpers.js';

describe('sync: a client killed mid-call', function () {
  // Each test starts a Node child with the TypeScript loader (about a second on a loaded machine).
  this.timeout(30_000);

  let served: Served<SyncManager>;
  let parent: SyncManager;
  let other: SyncManager;
  const children: ChildClient[] = [];
  before(async () => {
    served = await serve(SyncManager);
    parent = await served.client();
    other = await served.client();
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill()));
  });
  after(() => served.close());

  /** Starts the child, kills it with SIGKILL once READY, and waits until the server has dropped it. */
  async function killedMidCall(...args: Parameters<typeof startScriptedClient>): Promise<void> {
    const connections = served.server.connectionCount;
    const child = await startScriptedClient(...args);
    children.push(child);
    expect(served.server.connectionCount).to.equal(connections + 1);
    await child.kill();
    await untilConnections(served, connections);
  }

  it('a dead get() never takes an item: the put goes to the live getter, or stays for the next get', async () => {
    const queue = await parent.Queue<string>();
    await killedMidCall(served, [queue], [{ ref: 0, method: 'get', background: true }]);
    await queue.put('item');
    expect(await queue.get(true, 1)).to.equal('item');

    // Dead getter first in line, a live getter on another connection behind it.
    const connections = served.server.connectionCount;
    const child = await startScriptedClient(served, [queue], [{ ref: 0, method: 'get', background: true }]);
    children.push(child);
    const live = (await shareWith(queue, other)).get(true, 10);
    expect(await settledYet(live, other)).to.equal(false);
    await child.kill();
    await untilConnections(served, connections);
    await queue.put('item 2');
    expect(await live).to.equal('item 2');
    expect(await queue.qsize()).to.equal(0);
  });

  it('a dead put() on a full queue never adds its item', async () => {
    const queue = await parent.Queue<string>(1);
    await queue.put('first');
    await killedMidCall(served, [queue], [{ ref: 0, method: 'put', args: ['from the dead'], background: true }]);
    expect(await queue.get()).to.equal('first');
    expect(await rejectionOf(queue.get(true, 0.2))).to.be.instanceOf(Empty);
  });

  it('a dead acquire() never takes the Lock, RLock or Semaphore: the next waiter (another client) does', async () => {
    const locks: AcquirerProxy[] = [await parent.Lock(), await parent.RLock(), await parent.Semaphore(1)];
    for (const lock of locks) expect(await lock.acquire()).to.equal(true);
    const steps = locks.map((_, ref) => ({ ref, method: 'acquire', background: true }));
    const connections = served.server.connectionCount;
    const child = await startScriptedClient(served, locks, steps);
    children.push(child);
    const theirs = await Promise.all(locks.map((lock) => shareWith(lock, other)));
    const waiting = theirs.map((lock) => lock.acquire());
    expect(await settledYet(waiting[2], other)).to.equal(false);
    await child.kill();
    await untilConnections(served, connections);

    for (const lock of locks) await lock.release();
    expect(await Promise.all(waiting)).to.deep.equal([true, true, true]);
    // The live waiter holds each one now; the dead one never held anything.
    for (const lock of locks) expect(await lock.acquire(false)).to.equal(false);
    for (const lock of theirs) await lock.release();
    for (const lock of locks) expect(await lock.acquire(false)).to.equal(true);
    for (const lock of locks) await lock.release();
  });

  it('a dead Condition.wait() never consumes a notify: it goes to the live waiter', async () => {
    const cond = await parent.Condition();
    const connections = served.server.connectionCount;
    const child = await startScriptedClient(served, [cond], [
      { ref: 0, method: 'acquire' },
      { ref: 0, method: 'wait', background: true },
    ]);
    children.push(child);
    const theirs = await shareWith(cond, other);
    await theirs.acquire();
    const waiting = theirs.wait(10);
    expect(await settledYet(waiting, other)).to.equal(false);
    await child.kill();
    await untilConnections(served, connections);

    await cond.acquire();
    await cond.notify(1);
    await cond.release();
    const attempt = await timed(waiting);
    expect(attempt.value).to.equal(true);
    expect(attempt.seconds).to.be.below(5);
    await theirs.release();
  });

  /** A child that holds a Lock, an RLock three levels deep, two Semaphore units and a Condition. */
  async function killHolder(): Promise<AcquirerProxy[]> {
    const held: AcquirerProxy[] = [await parent.Lock(), await parent.RLock(), await parent.Semaphore(2), await parent.Condition()];
    await killedMidCall(served, held, [
      { ref: 0, method: 'acquire' },
      { ref: 1, method: 'acquire' },
      { ref: 1, method: 'acquire' },
      { ref: 1, method: 'acquire' },
      { ref: 2, method: 'acquire' },
      { ref: 2, method: 'acquire' },
      { ref: 3, method: 'acquire' },
      // Still waiting for one more unit when it dies.
      { ref: 2, method: 'acquire', background: true },
    ]);
    return held;
  }

  it('what a dead client held is released and waiting clients proceed (releaseOnDisconnect default)', async () => {
    const [lock, rlock, sem, cond] = await Promise.all([parent.Lock(), parent.RLock(), parent.Semaphore(2), parent.Condition()]);
    const held = [lock, rlock, sem, cond];
    const theirs = await Promise.all(held.map((proxy) => shareWith(proxy, other)));
    const connections = served.server.connectionCount;
    const child = await startScriptedClient(served, held, [
      { ref: 0, method: 'acquire' },
      { ref: 1, method: 'acquire' },
      { ref: 1, method: 'acquire' },
      { ref: 1, method: 'acquire' },
      { ref: 2, method: 'acquire' },
      { ref: 2, method: 'acquire' },
      { ref: 3, method: 'acquire' },
    ]);
    children.push(child);
    const waiting = [theirs[0].acquire(), theirs[1].acquire(), theirs[2].acquire(), theirs[2].acquire(), theirs[3].acquire()];
    for (const call of waiting) expect(await settledYet(call, other)).to.equal(false);
    await child.kill();
    await untilConnections(served, connections);

    expect(await Promise.all(waiting)).to.deep.equal([true, true, true, true, true]);
    // The RLock and the Condition's lock belong to the waiting client now.
    expect(await rlock.acquire(false)).to.equal(false);
    expect(await rejectionOf(cond.release())).to.be.instanceOf(RuntimeError);
    await theirs[1].release();
    await theirs[3].release();
    expect(await rlock.acquire(false)).to.equal(true);
    await rlock.release();
    expect(await sem.acquire(false)).to.equal(false);
  });

  it('a dead client still waiting for a unit holds nothing once released', async () => {
    const [lock, rlock, sem, cond] = await killHolder();
    for (const proxy of [lock, rlock, cond]) expect(await proxy.acquire(false)).to.equal(true);
    // Both units are back, and the dead waiter did not take one of them.
    expect(await sem.acquire(false)).to.equal(true);
    expect(await sem.acquire(false)).to.equal(true);
    expect(await sem.acquire(false)).to.equal(false);
  });

  it('a Barrier party killed while waiting breaks the barrier: the others get BrokenBarrierError promptly', async () => {
    const barrier = await parent.Barrier(3);
    const connections = served.server.connectionCount;
    const child = await startScriptedClient(served, [barrier], [{ ref: 0, method: 'wait', background: true }]);
    children.push(child);
    const waiting = (await shareWith(barrier, other)).wait();
    expect(await settledYet(waiting, other)).to.equal(false);
    expect(await barrier.nWaiting()).to.equal(2);
    const killedAt = performance.now();
    await child.kill();
    expect(await rejectionOf(waiting)).to.be.instanceOf(BrokenBarrierError);
    expect((performance.now() - killedAt) / 1000).to.be.below(5);
    expect(await barrier.broken()).to.equal(true);
    await untilConnections(served, connections);
  });

  it('a client is dropped at its EOF: the next item or notify goes to the live waiter, never to it', async () => {
    // A process that exits sends EOF; the server's socket finishes closing milliseconds later, and a
    // producer's call can arrive in between. A raw client (test/helpers/raw.ts) half-closes, and the
    // parent acts as soon as the server's own FIN arrives: the server ends its side in the same
    // 'end' event in which it drops the client's waits, so from then on nothing may be handed to it,
    // whether or not its socket has finished closing. The raw client can still read, so anything
    // handed to it would show in its replies. Even rounds put an item first, odd rounds notify first.
    const queue = await parent.Queue<string>();
    const cond = await parent.Condition();
    const theirCond = await shareWith(cond, other);
    for (let round = 0; round < 6; round++) {
      const raw = await RawClient.authenticated(served.address, served.authkey);
      const replies = new Map<number, unknown>();
      raw.sendMessage([MessageType.Request, 1, cond._token.id, 'acquire', [], null]);
      raw.sendMessage([MessageType.Request, 2, cond._token.id, 'wait', [], null]);
      raw.sendMessage([MessageType.Request, 3, queue._token.id, 'get', [], null]);
      raw.sendMessage([MessageType.Request, 4, null, 'dummy', [], null]);
      await readReplies(raw, replies, 4);
      await theirCond.acquire();
      const liveWait = theirCond.wait(5);
      await cond.acquire();

      const serverEnded = new Promise((resolve) => raw.socket.once('end', resolve));
      raw.socket.end();
      await serverEnded;
      const item = `item ${round}`;
      if (round % 2 === 0) await queue.put(item);
      else await cond.notify(1);
      await cond.release();
      if (round % 2 === 0) await cond.withAcquired(() => cond.notify(1));
      else await queue.put(item);
      const notified = await liveWait;
      await theirCond.release();
      await readReplies(raw, replies);
      expect(replies.has(3), 'the dead client\'s get was answered').to.equal(false);
      expect(await queue.get(false)).to.equal(item);
      expect(replies.get(2), 'the dead client\'s wait').to.not.equal(true);
      expect(notified, 'the live waiter was notified').to.equal(true);
    }
  });

  it('an item handed to a getter whose connection closed in the same turn is put back, not lost', async () => {
    // One write from a raw client: a get that waits on the empty queue, a put that hands the item
    // to that very get, and a malformed message that makes the server close the connection. The
    // server handles all three in one turn, so the get's continuation runs once the connection is
    // closing (connection.closed, while the session has not yet seen the socket close): the item
    // must go back to the queue (QueueHost.get's unget) rather than into a reply nobody reads.
    const queue = await parent.Queue<string>();
    const raw = await RawClient.authenticated(served.address, served.authkey);
    const frame = (message: unknown[]): Buffer => {
      const payload = encode(message);
      const header = Buffer.alloc(4);
      header.writeInt32BE(payload.length);
      return Buffer.concat([header, payload]);
    };
    raw.sendRaw(
      Buffer.concat([
        frame([MessageType.Request, 1, queue._token.id, 'get', [], null]),
        frame([MessageType.Request, 2, queue._token.id, 'put', ['handed back'], null]),
        frame([MessageType.Request, 0, null, 'dummy', [], null]), // id 0 is malformed: the server hangs up
      ]),
    );
    const replies = new Map<number, unknown>();
    await readReplies(raw, replies);
    expect(replies.has(1), 'the get was answered').to.equal(false);
    expect(replies.has(0), 'the goodbye').to.equal(true);
    expect(await queue.qsize()).to.equal(1);
    expect(await queue.get(false)).to.equal('handed back');
  });

  describe('with releaseOnDisconnect: false (CPython behaviour)', () => {
    let keeping: Served<SyncManager>;
    let holder: SyncManager;
    before(async () => {
      keeping = await serve(SyncManager, { releaseOnDisconnect: false });
      holder = await keeping.client();
    });
    after(() => keeping.close());

    it('what a dead client held stays held; a dead waiter still never takes anything', async () => {
      const held = [await holder.Lock(), await holder.RLock(), await holder.Semaphore(2), await holder.Condition()];
      const connections = keeping.server.connectionCount;
      const child = await startScriptedClient(keeping, held, [
        { ref: 0, method: 'acquire' },
        { ref: 1, method: 'acquire' },
        { ref: 1, method: 'acquire' },
        { ref: 2, method: 'acquire' },
        { ref: 3, method: 'acquire' },
        { ref: 2, method: 'acquire' },
        { ref: 2, method: 'acquire', background: true },
      ]);
      children.push(child);
      await child.kill();
      await untilConnections(keeping, connections);

      for (const proxy of held) {
        const attempt = await timed(proxy.acquire(true, 0.2));
        expect(attempt.value).to.equal(false);
      }
      // As CPython: a Lock has no owner, so anyone may free it; the RLock and Condition stay stuck.
      await held[0].release();
      expect(await held[0].acquire(false)).to.equal(true);
      expect(await rejectionOf(held[1].release())).to.be.instanceOf(RuntimeError);
      // A semaphore may be released by anyone: the unit goes to this client, not to the dead waiter.
      await held[2].release();
      expect(await held[2].acquire(false)).to.equal(true);
    });
  });
});

/** Reads the raw client's replies into `replies`: until reply `until` arrives, or (without) until the server closes. */
async function readReplies(raw: RawClient, replies: Map<number, unknown>, until?: number): Promise<void> {
  try {
    while (until === undefined || !replies.has(until)) {
      const [, id, , value] = decode(await raw.readFrame()) as [number, number, number, unknown];
      replies.set(id, value);
    }
  } catch (error) {
    if (until !== undefined) throw error;
  }
}
