// CPython's _TestContainers (T30–T37), through a real server and client.
import { expect } from 'chai';
import {
  SyncManager,
  ListProxy,
  DictProxy,
  NamespaceProxy,
  ValueProxy,
  ArrayProxy,
  IndexError,
  KeyError,
  AttributeError,
  RuntimeError,
  TypeError as PyTypeError,
  RangeError as PyRangeError,
} from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';
import { rejection } from '../helpers/assertions.js';


describe('SyncManager containers', () => {
  let served: Served<SyncManager>;
  let m: SyncManager;
  before(async () => {
    served = await serve(SyncManager);
    m = await served.client();
  });
  after(() => served.close());

  it('list: slices, extend, index, negative indices, IndexError (test_list)', async () => {
    const a = await m.list([...Array(10).keys()]);
    expect(a).to.be.instanceOf(ListProxy);
    expect(await a.slice()).to.deep.equal([...Array(10).keys()]);
    const b = await m.list<number>();
    expect(await b.slice()).to.deep.equal([]);
    await b.extend([0, 1, 2, 3, 4]);
    expect(await b.get(2)).to.equal(2);
    expect(await b.slice(2, 10)).to.deep.equal([2, 3, 4]);
    expect(await b.get(-1)).to.equal(4);
    await b.set(-1, 40);
    expect(await b.pop()).to.equal(40);
    await b.insert(0, -1);
    expect(await b.index(2)).to.equal(3);
    expect(await b.count(2)).to.equal(1);
    expect(await b.includes(3)).to.equal(true);
    await b.reverse();
    expect(await b._getValue()).to.deep.equal([3, 2, 1, 0, -1]);
    await b.sort();
    expect(await b._getValue()).to.deep.equal([-1, 0, 1, 2, 3]);
    await b.sort({ reverse: true });
    expect(await b._getValue()).to.deep.equal([3, 2, 1, 0, -1]);
    await b.remove(2);
    await b.delete(0);
    expect(await b._getValue()).to.deep.equal([1, 0, -1]);
    expect(await b.length()).to.equal(3);
    expect(await rejection(b.get(3))).to.be.instanceOf(IndexError);
    expect(await rejection(b.get(-4))).to.be.instanceOf(IndexError);
    expect(await b._str()).to.equal('[1, 0, -1]');
  });

  it('list iteration is lazy and sees concurrent edits (test_list_iter)', async () => {
    const a = await m.list([...Array(10).keys()]);
    const seen: number[] = [];
    for await (const v of a) seen.push(v);
    expect(seen).to.deep.equal([...Array(10).keys()]);
    const it = a[Symbol.asyncIterator]();
    await a.set(0, 100);
    expect((await it.next()).value).to.equal(100);
  });

  it('a list of proxies holds working proxies (test_list_proxy_in_list)', async () => {
    const inner = await Promise.all([0, 1, 2].map(() => m.list([0, 1, 2])));
    const a = await m.list(inner);
    for (const p of inner) await p._release();
    const first = (await a.get(0));
    expect(first).to.be.instanceOf(ListProxy);
    await first.set(-1, 55);
    expect(await ((await a.get(0)) as ListProxy)._getValue()).to.deep.equal([0, 1, 55]);
    expect(await ((await a.get(1)) as ListProxy)._getValue()).to.deep.equal([0, 1, 2]);
    expect(await ((await a.get(1)) as ListProxy).pop()).to.equal(2);
    expect(await ((await a.get(1)) as ListProxy).length()).to.equal(2);
  });

  it('a list appended to itself does not hang anything', async () => {
    const b = await m.list();
    await b.append(b);
    const self = (await b.get(0)) as ListProxy;
    expect(self._token.id).to.equal(b._token.id);
  });

  it('dict: set, copy, keys, values, items (test_dict)', async () => {
    const d = await m.dict<number, string>();
    expect(d).to.be.instanceOf(DictProxy);
    for (let i = 65; i < 70; i++) await d.set(i, String.fromCharCode(i));
    const expected = new Map([65, 66, 67, 68, 69].map((i) => [i, String.fromCharCode(i)]));
    expect(await d.copy()).to.deep.equal(expected);
    expect((await d.keys()).sort()).to.deep.equal([65, 66, 67, 68, 69]);
    expect((await d.values()).sort()).to.deep.equal(['A', 'B', 'C', 'D', 'E']);
    expect(await d.items()).to.deep.equal([...expected.entries()]);
    expect(await d.length()).to.equal(5);
    expect(await d.has(65)).to.equal(true);
    expect(await d.get(1, 'none')).to.equal('none');
    expect(await d.pop(65)).to.equal('A');
    expect(await d.pop(65, 'gone')).to.equal('gone');
    expect(await rejection(d.pop(65))).to.be.instanceOf(KeyError);
    expect(await d.popitem()).to.deep.equal([69, 'E']);
    expect(await d.setdefault(1, 'one')).to.equal('one');
    expect(await d.setdefault(1, 'uno')).to.equal('one');
    await d.update([[2, 'two']]);
    await d.update({ 3: 'three' } as any);
    expect(await d.get(2)).to.equal('two');
    expect(await rejection(d.delete(999))).to.be.instanceOf(KeyError);
    await d.clear();
    expect(await d.length()).to.equal(0);
  });

  it('dict keys are compared by value: arrays, bigint, booleans, null', async () => {
    const d = await m.dict<any, number>();
    await d.set(['a', 1], 1);
    await d.set(10n ** 30n, 2);
    await d.set(true, 3);
    await d.set(null, 4);
    expect(await d.get(['a', 1])).to.equal(1);
    expect(await d.get(10n ** 30n)).to.equal(2);
    expect(await d.get(true)).to.equal(3);
    expect(await d.get(null)).to.equal(4);
    await d.set(['a', 1], 5);
    expect(await d.length()).to.equal(4);
  });

  it('dict iteration uses a live server iterator; changing size raises RuntimeError (test_dict_iter)', async () => {
    const d = await m.dict<number, string>();
    for (let i = 65; i < 70; i++) await d.set(i, String.fromCharCode(i));
    const keys: number[] = [];
    for await (const k of d) keys.push(k);
    expect(keys).to.deep.equal([65, 66, 67, 68, 69]);
    const it = d[Symbol.asyncIterator]();
    await it.next();
    await d.clear();
    expect(await rejection(it.next())).to.be.instanceOf(RuntimeError);
  });

  it('nested dict proxies stay alive while held and see each other’s changes (test_dict_proxy_nested)', async () => {
    let pets: DictProxy = await m.dict({ ferrets: 2, hamsters: 4 });
    let supplies: DictProxy = await m.dict({ water: 10, feed: 3 });
    const d = await m.dict({ pets, supplies });
    expect(await supplies.get('water')).to.equal(10);
    const dSupplies = (await d.get('supplies')) as DictProxy;
    expect(await dSupplies.get('water')).to.equal(10);
    await dSupplies.set('blankets', 5);
    expect(await supplies.get('blankets')).to.equal(5);
    await pets._release();
    await supplies._release();
    expect(await ((await d.get('pets')) as DictProxy).get('ferrets')).to.equal(2);
    pets = (await d.get('pets')) as DictProxy;
    supplies = (await d.get('supplies')) as DictProxy;
    await d.clear();
    expect(await d.length()).to.equal(0);
    expect(await supplies.get('water')).to.equal(10);
    expect(await pets.get('hamsters')).to.equal(4);
    const l = await m.list([pets, supplies]);
    await ((await l.get(0))).set('marmots', 1);
    expect(await pets.get('marmots')).to.equal(1);
    const outer = await m.list([[88, 99], l]);
    expect(await outer.get(0)).to.deep.equal([88, 99]);
    const last = (await outer.get(-1)) as ListProxy;
    expect(await ((await last.get(-1)) as DictProxy).get('feed')).to.equal(3);
  });

  it('Namespace: get, set, delete, AttributeError, repr (test_namespace)', async () => {
    const n = await m.Namespace();
    expect(n).to.be.instanceOf(NamespaceProxy);
    await n.set('name', 'Bob');
    await n.set('job', 'Builder');
    await n.set('_hidden', 'hidden');
    expect([await n.get('name'), await n.get('job')]).to.deep.equal(['Bob', 'Builder']);
    await n.delete('job');
    expect(await n._str()).to.equal("Namespace(name='Bob')");
    expect(await rejection(n.get('job'))).to.be.instanceOf(AttributeError);
    expect(await n._getValue()).to.deep.equal({ name: 'Bob', _hidden: 'hidden' });
  });

  it('Value and Array enforce their typecodes', async () => {
    const v = await m.Value('i', 7);
    expect(v).to.be.instanceOf(ValueProxy);
    expect(await v.get()).to.equal(7);
    await v.set(-5);
    expect(await v.get()).to.equal(-5);
    expect(await rejection(v.set('x' as any))).to.be.instanceOf(PyTypeError);
    expect(await rejection(v.set(2 ** 40))).to.be.instanceOf(PyRangeError);
    const d = await m.Value('d', 1.5);
    await d.set(2.25);
    expect(await d.get()).to.equal(2.25);
    const arr = await m.Array('b', [1, 2, 3]);
    expect(arr).to.be.instanceOf(ArrayProxy);
    expect(await arr.length()).to.equal(3);
    await arr.set(0, -128);
    expect(await arr._getValue()).to.deep.equal([-128, 2, 3]);
    expect(await rejection(arr.set(1, 128))).to.be.instanceOf(PyRangeError);
    expect(await rejection(arr.get(3))).to.be.instanceOf(IndexError);
    const seen: number[] = [];
    for await (const x of arr) seen.push(x);
    expect(seen).to.deep.equal([-128, 2, 3]);
  });

  it('binary, bigint, Date, Map and Set values round-trip through a shared dict', async () => {
    const d = await m.dict<string, unknown>();
    const values: Record<string, unknown> = {
      bytes: new Uint8Array([0, 1, 255]),
      big: -(2n ** 100n),
      date: new Date(1_700_000_000_123),
      map: new Map<unknown, unknown>([[1, 'a'], [[1, 2], 'b']]),
      set: new Set([1, 'x']),
      nested: { a: [1, { b: null }] },
    };
    for (const [k, v] of Object.entries(values)) await d.set(k, v);
    for (const [k, v] of Object.entries(values)) expect(await d.get(k), k).to.deep.equal(v);
  });
});
