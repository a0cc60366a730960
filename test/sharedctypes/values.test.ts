// sharedctypes in one thread: typecodes, Value and Array semantics, Structures, and the locks.
import { expect } from 'chai';
import { AttributeError, IndexError, RangeError, RuntimeError, TypeError as PyTypeError, ValueError, sharedctypes, Lock as PrimitiveLock } from '../../lib/index.js';
import { rejectionOf } from '../helpers/assertions.js';

const { Value, RawValue, RawArray, Lock, RLock, Structure } = sharedctypes;

class Point extends Structure {
  static override readonly _fields_ = [['x', 'd'], ['y', 'd']] as const;
  declare x: number;
  declare y: number;
}

class Mixed extends Structure {
  static override readonly _fields_ = [['flag', '?'], ['count', 'i'], ['c', 'c'], ['big', 'q']] as const;
  declare flag: boolean;
  declare count: number;
  declare c: Buffer;
  declare big: number | bigint;
}

describe('sharedctypes Value and Array', () => {
  it('Value: typecodes as Python, values checked as the manager checks them', () => {
    expect(Value('i', 7).value).to.equal(7);
    expect(Value('d', 1 / 3).value).to.equal(1 / 3);
    expect(Value('c_double', 2.5).value).to.equal(2.5);
    expect(Value('f', 0.1).value).to.equal(Math.fround(0.1));
    expect(Value('?', true).value).to.equal(true);
    expect(Value('c', 'x').value).to.deep.equal(Buffer.from('x'));
    expect(Value('u', 'é').value).to.equal('é');
    expect(Value('q', 2n ** 62n).value).to.equal(2n ** 62n);
    expect(Value('q', 5n).value).to.equal(5);
    expect(Value('B').value).to.equal(0);
    expect(() => Value('i', 2 ** 31)).to.throw(RangeError);
    expect(() => Value('B', -1)).to.throw(RangeError);
    expect(() => Value('i', 1.5)).to.throw(PyTypeError);
    expect(() => Value('?', 1)).to.throw(PyTypeError);
    expect(() => Value('z', 1)).to.throw(ValueError);
    const v = Value('h', 1);
    v.value += 41;
    expect(v.value).to.equal(42);
    expect(String(v)).to.equal('SynchronizedValue(42)');
  });

  it('Array: indexing (negative from the end), iteration, slice, bounds', () => {
    const a = sharedctypes.Array('i', [0, 1, 2, 3, 4]);
    a[0] = 10;
    expect(a[0]).to.equal(10);
    expect(a[-1]).to.equal(4);
    expect(a.length).to.equal(5);
    expect([...a]).to.deep.equal([10, 1, 2, 3, 4]);
    expect(a.slice(1, 3)).to.deep.equal([1, 2]);
    expect(0 in a && -5 in a && !(5 in a)).to.equal(true);
    expect(() => a[5]).to.throw(IndexError);
    expect(() => (a[0] = 2 ** 40)).to.throw(RangeError);
    expect(sharedctypes.Array('d', 3).toArray()).to.deep.equal([0, 0, 0]);
    expect(() => sharedctypes.Array('i', -1)).to.throw(ValueError);
  });

  it("'c' arrays: value up to the first NUL, raw, assignment from a string or bytes", () => {
    const s = sharedctypes.Array<Buffer>('c', 'hello world');
    expect(s.value.toString()).to.equal('hello world');
    s.value = s.value.toString().toUpperCase();
    expect(s.value.toString()).to.equal('HELLO WORLD');
    s.value = Buffer.from('hi');
    expect(s.value.toString()).to.equal('hi');
    expect(s.raw.length).to.equal(11);
    expect(() => (s.value = 'much too long for it')).to.throw(ValueError);
    expect(() => sharedctypes.Array('i', 2).value).to.throw(AttributeError);
    const u = sharedctypes.Array<string>('u', 'añb');
    expect(u.value).to.equal('añb');
  });

  it('Structures: fields laid out as C does, read and written in place, arrays of them', () => {
    const points = sharedctypes.Array<Point>(Point, [[1.875, -6.25], { x: -5.75, y: 2 }]);
    for (const p of points) {
      p.x **= 2;
      p.y **= 2;
    }
    expect(points.toArray().map((p) => [p.x, p.y])).to.deep.equal([[3.515625, 39.0625], [33.0625, 4]]);
    expect(points.buffer.byteLength).to.equal(32);
    // bool at 0, int at 4, char at 8, long long at 16: 24 bytes.
    const mixed = sharedctypes.Array<Mixed>(Mixed, 2);
    expect(mixed.buffer.byteLength).to.equal(48);
    mixed[1].count = 3;
    mixed[1].big = 2n ** 60n;
    mixed[1].flag = true;
    expect(mixed[1].toJSON()).to.deep.equal({ flag: true, count: 3, c: Buffer.of(0), big: 2n ** 60n });
    expect(String(new Point(1, 2))).to.equal('Point(x=1, y=2)');
    expect(() => (mixed[0].count = 'x' as unknown as number)).to.throw(PyTypeError);
  });

  it('lock: true makes an RLock, false none (getLock is an AttributeError), or a shared Lock given', () => {
    expect(Value('i', 0).getLock()).to.be.instanceOf(RLock);
    expect(() => RawValue('i', 0).getLock()).to.throw(AttributeError);
    expect(() => RawArray('i', 2).getLock()).to.throw(AttributeError);
    expect(() => Value('i', 0, { lock: false }).getLock()).to.throw(AttributeError);
    const lock = new Lock();
    expect(sharedctypes.Array('c', 'ab', { lock }).getLock()).to.equal(lock);
    expect(() => Value('i', 0, { lock: new PrimitiveLock() as never })).to.throw(PyTypeError, /sharedctypes Lock/);
  });
});

describe('sharedctypes copy() and synchronized()', () => {
  it('copy() is a raw object with its own memory; synchronized() shares the memory and adds a lock', () => {
    const a = sharedctypes.Array('i', [1, 2, 3]);
    const copied = sharedctypes.copy(a);
    copied[0] = 100;
    expect(a[0]).to.equal(1);
    expect(() => copied.getLock()).to.throw(AttributeError);
    const raw = RawValue('d', 1.5);
    const lock = new Lock();
    const synced = sharedctypes.synchronized(raw, lock);
    synced.value = 2.5;
    expect(raw.value).to.equal(2.5);
    expect(synced.getLock()).to.equal(lock);
    expect(sharedctypes.synchronized(raw).getLock()).to.be.instanceOf(RLock);
  });
});

describe('sharedctypes locks (Atomics)', () => {
  it('Lock: non-blocking acquire fails while held, timeout expires, release wakes a waiter; over-release is ValueError', async () => {
    const lock = new Lock();
    expect(await lock.acquire()).to.equal(true);
    expect(lock.locked()).to.equal(true);
    expect(await lock.acquire(false)).to.equal(false);
    expect(await lock.acquire(true, 0.05)).to.equal(false);
    const waiting = lock.acquire(true, 10);
    setTimeout(() => lock.release(), 20);
    expect(await waiting).to.equal(true);
    lock.release();
    expect(() => lock.release()).to.throw(ValueError);
  });

  it('RLock: the holding thread may re-acquire; release by count; releasing an un-acquired RLock is RuntimeError', async () => {
    const rlock = new RLock();
    expect(() => rlock.release()).to.throw(RuntimeError);
    await rlock.acquire();
    await rlock.acquire();
    rlock.release();
    expect(String(rlock)).to.match(/RLock\(thread \d+, 1\)/);
    rlock.release();
    expect(String(rlock)).to.equal('<sharedctypes.RLock(None, 0)>');
  });

  it('withLock runs a function holding the lock, and releases it when the function throws', async () => {
    const lock = new Lock();
    expect(await lock.withLock(() => 5)).to.equal(5);
    await rejectionOf(lock.withLock(() => Promise.reject(new Error('boom'))));
    expect(lock.locked()).to.equal(false);
  });
});
