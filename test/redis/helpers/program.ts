// One program, written against the SyncManager API only, run unchanged against a connected
// SyncManager and against a RedisManager (sameProgram.test.ts): two managers `a` and `b` (two
// clients of one server, or two RedisManagers on one Redis) share objects and wait on each other.
import { expect } from 'chai';
import {
  AbortError,
  AttributeError,
  BrokenBarrierError,
  Empty,
  Full,
  IndexError,
  KeyError,
  ListProxy,
  RuntimeError,
  TypeError as PyTypeError,
  ValueError,
  type BaseProxy,
  type RedisCreators,
} from '../../../lib/index.js';
import { proxyRef, type SharedRef } from '../../../lib/manager/baseManager.js';
import { rejectionOf } from '../../helpers/assertions.js';

export interface Side extends RedisCreators {
  _proxyFromRef(ref: SharedRef): Promise<any>;
}

/** `proxy` as a proxy of manager `to` (the other process's view of the same object). */
export function share<P extends BaseProxy>(proxy: P, to: Side): Promise<P> {
  return to._proxyFromRef(proxyRef(proxy)) as Promise<P>;
}

const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

export const PROGRAM: Record<string, (a: Side, b: Side) => Promise<void>> = {
  async 'list: Python list semantics, seen from both managers'(a, b) {
    const l = await a.list([3, 1, 2]);
    const other = await share(l, b);
    await l.append(4);
    await other.insert(0, 0);
    await other.insert(-1, 9);
    expect(await l._getValue()).to.deep.equal([0, 3, 1, 2, 9, 4]);
    expect(await other.pop()).to.equal(4);
    expect(await l.pop(0)).to.equal(0);
    expect(await l.get(-1)).to.equal(9);
    await l.set(-1, 5);
    await l.delete(0);
    expect(await other._getValue()).to.deep.equal([1, 2, 5]);
    expect(await l.index(5)).to.equal(2);
    expect(await l.count(1)).to.equal(1);
    expect(await l.includes(2)).to.equal(true);
    await l.extend([7, 7]);
    await l.remove(7);
    await l.reverse();
    expect(await l._getValue()).to.deep.equal([7, 5, 2, 1]);
    await other.sort();
    expect(await l.slice(1, null, 2)).to.deep.equal([2, 7]);
    expect(await l.length()).to.equal(4);
    expect(await rejectionOf(l.get(10))).to.be.instanceOf(IndexError);
    expect(await rejectionOf(l.pop(10))).to.be.instanceOf(IndexError);
    expect(await rejectionOf(l.remove(99))).to.be.instanceOf(ValueError);
    expect(await rejectionOf(l.index(99))).to.be.instanceOf(ValueError);
    const seen: number[] = [];
    for await (const x of l) seen.push(x);
    expect(seen).to.deep.equal([1, 2, 5, 7]);
    await l.clear();
    expect(await other.length()).to.equal(0);
    expect(await rejectionOf(l.pop())).to.be.instanceOf(IndexError);
  },

  async 'dict: values with the extension types, KeyError, pop, setdefault, update'(a, b) {
    const d = await a.dict<string, unknown>({ x: 1 });
    const other = await share(d, b);
    const rich = { n: 2n ** 70n, m: new Map([[1, 'one']]), s: new Set([1, 2]), when: new Date(0), bytes: new Uint8Array([1, 2]) };
    await d.set('rich', rich);
    expect(await other.getItem('rich')).to.deep.equal(rich);
    expect(await other.get('missing', 'dflt')).to.equal('dflt');
    expect(await rejectionOf(other.getItem('missing'))).to.be.instanceOf(KeyError);
    expect(await rejectionOf(other.delete('missing'))).to.be.instanceOf(KeyError);
    expect(await other.has('x')).to.equal(true);
    expect(await other.pop('x')).to.equal(1);
    expect(await other.pop('x', 'gone')).to.equal('gone');
    expect(await d.setdefault('y', 5)).to.equal(5);
    expect(await d.setdefault('y', 6)).to.equal(5);
    await other.update({ z: 3, w: 4 });
    expect((await d.keys()).sort()).to.deep.equal(['rich', 'w', 'y', 'z']);
    expect(await d.length()).to.equal(4);
    const copy = await d.copy();
    expect(copy.get('z')).to.equal(3);
    const keys: string[] = [];
    for await (const k of other) keys.push(k);
    expect(keys.sort()).to.deep.equal(['rich', 'w', 'y', 'z']);
    const [k, v] = await d.popitem();
    expect(copy.get(k)).to.deep.equal(v);
    await d.clear();
    expect(await rejectionOf(d.popitem())).to.be.instanceOf(KeyError);
  },

  async 'a proxy stored in a dict comes out as a working proxy for the other manager'(a, b) {
    const d = await a.dict();
    const inner = await a.list([1]);
    await d.set('inner', inner);
    const other = await share(d, b);
    const got = (await other.getItem('inner')) as ListProxy<number>;
    expect(got).to.be.instanceOf(ListProxy);
    await got.append(2);
    expect(await inner._getValue()).to.deep.equal([1, 2]);
    const nested = await a.dict({ d });
    expect(await ((await nested.getItem('d'))).has('inner')).to.equal(true);
  },

  async 'Namespace, Value and Array: attributes and typecodes enforced'(a, b) {
    const ns = await a.Namespace<Record<string, unknown>>({ x: 1 });
    const nsB = await share(ns, b);
    await nsB.set('y', 'two');
    expect(await ns.get('y')).to.equal('two');
    expect(await ns._getValue()).to.deep.equal({ x: 1, y: 'two' });
    await ns.delete('x');
    expect(await rejectionOf(nsB.get('x'))).to.be.instanceOf(AttributeError);
    const v = await a.Value('i', 7);
    const vB = await share(v, b);
    await vB.set(8);
    expect(await v.get()).to.equal(8);
    expect(await rejectionOf(v.set(1.5))).to.be.instanceOf(PyTypeError);
    const arr = await a.Array('d', [1, 2, 3]);
    const arrB = await share(arr, b);
    await arrB.set(-1, 4.5);
    expect(await arr._getValue()).to.deep.equal([1, 2, 4.5]);
    expect(await arr.length()).to.equal(3);
    expect(await rejectionOf(arr.get(3))).to.be.instanceOf(IndexError);
    const zeros = await a.Array('i', 2);
    expect(await zeros._getValue()).to.deep.equal([0, 0]);
  },

  async 'Queue: FIFO across managers, Full/Empty, blocking get and put'(a, b) {
    const q = await a.Queue<number>(2);
    const qB = await share(q, b);
    await q.put(1);
    await q.putNowait(2);
    expect(await qB.full()).to.equal(true);
    expect(await rejectionOf(q.putNowait(3))).to.be.instanceOf(Full);
    expect(await rejectionOf(q.put(3, true, 0.1))).to.be.instanceOf(Full);
    const blockedPut = q.put(3);
    expect(await qB.get()).to.equal(1);
    await blockedPut;
    expect(await qB.qsize()).to.equal(2);
    expect(await qB.getNowait()).to.equal(2);
    expect(await qB.get(true, 1)).to.equal(3);
    expect(await qB.empty()).to.equal(true);
    expect(await rejectionOf(qB.getNowait())).to.be.instanceOf(Empty);
    expect(await rejectionOf(qB.get(true, 0.1))).to.be.instanceOf(Empty);
    const waiting = qB.get();
    await sleep(0.05);
    await q.put(42);
    expect(await waiting).to.equal(42);
  },

  async 'JoinableQueue: join() resolves once the other manager marked every item done'(a, b) {
    const q = await a.JoinableQueue<string>();
    const qB = await share(q, b);
    await q.put('x');
    await q.put('y');
    let joined = false;
    const join = q.join().then(() => (joined = true));
    expect(await qB.get()).to.equal('x');
    await qB.taskDone();
    await sleep(0.05);
    expect(joined).to.equal(false);
    expect(await qB.get()).to.equal('y');
    await qB.taskDone();
    await join;
    expect(await rejectionOf(qB.taskDone())).to.be.instanceOf(ValueError);
  },

  async 'signal: an aborted get rejects AbortError and takes nothing'(a, b) {
    const q = await a.Queue<number>();
    const qB = await share(q, b);
    const controller = new AbortController();
    const waiting = qB.get(true, null, { signal: controller.signal });
    await sleep(0.05);
    controller.abort();
    expect(await rejectionOf(waiting)).to.be.instanceOf(AbortError);
    await q.put(1);
    expect(await q.get()).to.equal(1);
  },

  async 'Lock and RLock: owned per manager, released by the owner, timeouts'(a, b) {
    const lock = await a.Lock();
    const lockB = await share(lock, b);
    expect(await lock.acquire()).to.equal(true);
    expect(await lockB.acquire(false)).to.equal(false);
    expect(await lockB.acquire(true, 0.1)).to.equal(false);
    const waiting = lockB.acquire();
    await lock.release();
    expect(await waiting).to.equal(true);
    await lockB.release();
    expect(await rejectionOf(lock.release())).to.be.instanceOf(RuntimeError);
    await lock.acquire();
    const controller = new AbortController();
    const aborted = lockB.acquire(true, null, { signal: controller.signal });
    await sleep(0.05);
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    await lock.release();
    expect(await lock.acquire(false)).to.equal(true);
    await lock.release();
    expect(await rejectionOf(lock.acquire(false, 1))).to.be.instanceOf(ValueError);

    const rlock = await a.RLock();
    const rlockB = await share(rlock, b);
    expect(await rlock.acquire()).to.equal(true);
    expect(await rlock.acquire()).to.equal(true);
    expect(await rlockB.acquire(false)).to.equal(false);
    expect(await rejectionOf(rlockB.release())).to.be.instanceOf(RuntimeError);
    await rlock.release();
    expect(await rlockB.acquire(false)).to.equal(false);
    await rlock.release();
    expect(await rlockB.acquire(false)).to.equal(true);
    await rlockB.release();
  },

  async 'Semaphore and BoundedSemaphore: counting, blocking, too many releases'(a, b) {
    const sem = await a.Semaphore(2);
    const semB = await share(sem, b);
    expect(await sem.acquire()).to.equal(true);
    expect(await semB.acquire()).to.equal(true);
    expect(await semB.acquire(false)).to.equal(false);
    const waiting = semB.acquire(true, 5);
    await sem.release();
    expect(await waiting).to.equal(true);
    const bounded = await a.BoundedSemaphore(1);
    expect(await rejectionOf(bounded.release())).to.be.instanceOf(ValueError);
    expect(await rejectionOf(a.Semaphore(-1))).to.be.instanceOf(ValueError);
  },

  async 'Condition: wait in one manager, notify from the other'(a, b) {
    const cond = await a.Condition();
    const condB = await share(cond, b);
    expect(await rejectionOf(cond.wait(0.1))).to.be.instanceOf(RuntimeError);
    expect(await rejectionOf(cond.notify())).to.be.instanceOf(RuntimeError);
    await cond.acquire();
    const waiting = cond.wait(5);
    await sleep(0.05);
    await condB.acquire();
    await condB.notify();
    await condB.release();
    expect(await waiting).to.equal(true);
    await cond.release();
    await cond.acquire();
    expect(await cond.wait(0.1)).to.equal(false);
    await cond.release();
    const lock = await a.Lock();
    const withLock = await a.Condition(lock);
    await withLock.acquire();
    expect(await lock.acquire(false)).to.equal(false);
    await withLock.release();
    let flag = false;
    const condC = await share(withLock, b);
    await withLock.acquire();
    const pred = withLock.waitFor(() => flag, 5);
    await sleep(0.05);
    await condC.acquire();
    flag = true;
    await condC.notifyAll();
    await condC.release();
    expect(await pred).to.equal(true);
    await withLock.release();
  },

  async 'Event: set in one manager wakes a wait in the other'(a, b) {
    const ev = await a.Event();
    const evB = await share(ev, b);
    expect(await evB.wait(0.1)).to.equal(false);
    const controller = new AbortController();
    const aborted = evB.wait(null, { signal: controller.signal });
    controller.abort();
    expect(await rejectionOf(aborted)).to.be.instanceOf(AbortError);
    const waiting = evB.wait(5);
    await sleep(0.05);
    await ev.set();
    expect(await waiting).to.equal(true);
    expect(await evB.isSet()).to.equal(true);
    await evB.clear();
    expect(await ev.isSet()).to.equal(false);
  },

  async 'Barrier: parties from both managers, indices, broken by a timeout, reset'(a, b) {
    const barrier = await a.Barrier(3);
    const barrierB = await share(barrier, b);
    expect(await barrier.parties()).to.equal(3);
    const indices = await Promise.all([barrier.wait(), barrierB.wait(), barrierB.wait()]);
    expect(indices.sort()).to.deep.equal([0, 1, 2]);
    const lone = barrier.wait(0.1);
    expect(await rejectionOf(lone)).to.be.instanceOf(BrokenBarrierError);
    expect(await barrierB.broken()).to.equal(true);
    expect(await rejectionOf(barrierB.wait())).to.be.instanceOf(BrokenBarrierError);
    await barrierB.reset();
    expect(await barrier.broken()).to.equal(false);
    const waiting = barrier.wait();
    await sleep(0.05);
    expect(await barrierB.nWaiting()).to.equal(1);
    await barrierB.abort();
    expect(await rejectionOf(waiting)).to.be.instanceOf(BrokenBarrierError);
  },
};
