import { expect } from 'chai';
import {
  BaseManager,
  SyncManager,
  AutoProxy,
  ListProxy,
  DictProxy,
  AuthenticationError,
  ManagerError,
  AttributeError,
  RemoteError,
  KeyError,
  ValueError,
  ConnectionClosedError,
  Token,
  type ServerRef,
} from '../../lib/index.js';
import { rejection } from '../helpers/assertions.js';
import { serve, type Served } from '../helpers/servers.js';

class Counter {
  value = 0;
  increment(by = 1): number {
    this.value += by;
    return this.value;
  }
  async slowDouble(x: number): Promise<number> {
    await new Promise((r) => setTimeout(r, 20));
    return 2 * x;
  }
  fail(): never {
    throw new ValueError('bad value');
  }
  failPlain(): never {
    const e = new Error('plain failure');
    e.name = 'CustomError';
    throw e;
  }
  /** Never settles: only the connection going away can end a call to it. */
  hang(): Promise<never> {
    return new Promise(() => {});
  }
  _hidden(): string {
    return 'secret';
  }
  *range(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
}

const sharedList: unknown[] = ['server-item'];
const sharedMap = new Map<unknown, unknown>([['k', 1]]);

class TestManager extends BaseManager {
  declare Counter: () => Promise<AutoProxy>;
  declare get_list: () => Promise<ListProxy>;
  declare get_map: () => Promise<DictProxy>;
  declare get_object: () => Promise<DictProxy>;
  declare async_counter: () => Promise<AutoProxy>;
  declare limited: () => Promise<AutoProxy>;
  declare with_hidden: () => Promise<AutoProxy>;
  declare forbidden_names: () => Promise<AutoProxy>;
}
TestManager.register('Counter', { callable: () => new Counter(), methodToTypeid: { range: 'Iterator' } });
TestManager.register('get_list', { callable: () => sharedList });
TestManager.register('get_map', { callable: () => sharedMap });
TestManager.register('get_object', { callable: () => ({ a: 1 }) });
TestManager.register('async_counter', { callable: async () => new Counter() });
TestManager.register('limited', { callable: () => new Counter(), exposed: ['increment'] });
TestManager.register('with_hidden', { callable: () => new Counter(), exposed: ['increment', '_hidden'] });
/**
 * A referent on which `constructor`, `__proto__` and `prototype` are all functions of its own, and an
 * exposed list that names them: only the NEVER_CALLABLE rule of dispatch.ts stands between a client
 * and those functions.
 */
class ForbiddenNames {
  ok(): string {
    return 'ok';
  }
}
function forbiddenNames(): ForbiddenNames {
  const target = new ForbiddenNames();
  for (const name of ['constructor', '__proto__', 'prototype']) {
    Object.defineProperty(target, name, { value: () => `${name} ran`, enumerable: true, writable: true, configurable: true });
  }
  return target;
}
TestManager.register('forbidden_names', { callable: forbiddenNames, exposed: ['ok', 'constructor', '__proto__', 'prototype'] });
TestManager.register('bad_typeid', {
  callable: () => new Counter(),
  methodToTypeid: { slowDouble: 'no_such_typeid', increment: 'no_such_typeid' },
});
TestManager.register('no_create', { callable: () => new Counter(), createMethod: false });

class SubManager extends TestManager {}
SubManager.register('extra', { callable: () => [1, 2, 3] });

describe('BaseManager', () => {
  let served: Served<TestManager>;
  before(async () => {
    served = await serve(TestManager);
  });
  after(() => served.close());

  it('register adds a create method per typeid, except with createMethod: false', () => {
    const m = new TestManager();
    expect(m.Counter).to.be.a('function');
    expect((m as any).no_create).to.equal(undefined);
    expect(m.registry.get('no_create')?.createMethod).to.equal(false);
  });

  it('registries are inherited by subclasses and do not leak upwards', () => {
    expect(new SubManager().registry.has('Counter')).to.equal(true);
    expect(new SubManager().registry.has('extra')).to.equal(true);
    expect(new TestManager().registry.has('extra')).to.equal(false);
    expect((new TestManager() as any).extra).to.equal(undefined);
  });

  it('calls before connect() give a clear error', async () => {
    const m = new TestManager({ address: served.address, authkey: 'test-key' });
    expect(() => m.Counter()).to.throw(ManagerError, /connect\(\)/);
  });

  it('connect() rejects AuthenticationError on a wrong key and the server keeps serving', async () => {
    const bad = new TestManager({ address: served.address, authkey: 'wrong' });
    const error: unknown = await rejection(bad.connect());
    expect(error).to.be.instanceOf(AuthenticationError);
    const good = await served.client();
    const c = await good.Counter();
    expect(await c.increment()).to.equal(1);
  });

  it('AutoProxy exposes the public methods only; _names, constructor and Object members are refused', async () => {
    const m = await served.client();
    const c = await m.Counter();
    expect(c).to.be.instanceOf(AutoProxy);
    expect([...c._exposed].sort()).to.deep.equal(['fail', 'failPlain', 'hang', 'increment', 'range', 'slowDouble']);
    expect(await c.increment(5)).to.equal(5);
    for (const name of ['_hidden', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const error: unknown = await rejection(c._callMethod(name));
      expect(error, name).to.be.instanceOf(AttributeError);
    }
  });

  it('an explicit exposed list limits the methods and may name _methods', async () => {
    const m = await served.client();
    const limited = await m.limited();
    expect(limited._exposed).to.deep.equal(['increment']);
    expect(await limited.increment()).to.equal(1);
    const error: unknown = await rejection(limited._callMethod('fail'));
    expect(error).to.be.instanceOf(AttributeError);
    const hidden = await m.with_hidden();
    expect(await hidden._hidden()).to.equal('secret');
  });

  it('constructor, __proto__ and prototype are never callable, even named in an explicit exposed list', async () => {
    const m = await served.client();
    const target = await m.forbidden_names();
    expect(await target._callMethod('ok')).to.equal('ok');
    for (const name of ['constructor', '__proto__', 'prototype']) {
      const error: unknown = await rejection(target._callMethod(name));
      expect(error, name).to.be.instanceOf(AttributeError);
    }
  });

  it('async callables and async methods are awaited', async () => {
    const m = await served.client();
    const c = await m.async_counter();
    expect(await c.slowDouble(21)).to.equal(42);
  });

  it('errors keep their Python class, message and the server-side stack; others arrive as RemoteError', async () => {
    const m = await served.client();
    const c = await m.Counter();
    let error: any = await rejection(c.fail());
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal('bad value');
    expect(error.stack).to.include('fail');
    try {
      await c.failPlain();
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RemoteError);
    expect(error.remoteName).to.equal('CustomError');
    expect(error.message).to.include('plain failure');
  });

  it('methodToTypeid serves a method result (a generator) as a new proxy', async () => {
    const m = await served.client();
    const c = await m.Counter();
    const it = await c.range(4);
    const seen: number[] = [];
    for await (const v of it) seen.push(v as number);
    expect(seen).to.deep.equal([0, 1, 2, 3]);
  });

  it('a method_to_typeid naming an unknown typeid rejects (sync and async methods) and the server survives', async () => {
    const m = await served.client();
    const c = (await m._create('bad_typeid')) as AutoProxy;
    expect(await rejection(c.increment())).to.be.instanceOf(ManagerError);
    expect(await rejection(c.slowDouble(2))).to.be.instanceOf(ManagerError);
    expect(await (await m.Counter()).increment()).to.equal(1);
  });

  it('a plain Array referent is served with list semantics over the same array', async () => {
    const m = await served.client();
    const l = await m.get_list();
    expect(l).to.be.instanceOf(ListProxy);
    await l.append('client-item');
    expect(sharedList).to.deep.equal(['server-item', 'client-item']);
    expect(await l.get(-1)).to.equal('client-item');
    sharedList.pop();
  });

  it('a Map or plain object referent is served with dict semantics', async () => {
    const m = await served.client();
    const d = await m.get_map();
    expect(d).to.be.instanceOf(DictProxy);
    await d.set('new', 2);
    expect(sharedMap.get('new')).to.equal(2);
    const o = await m.get_object();
    expect(o).to.be.instanceOf(DictProxy);
    expect(await o.get('a')).to.equal(1);
    const error: unknown = await rejection(o.delete('missing'));
    expect(error).to.be.instanceOf(KeyError);
  });

  it('_debugInfo and _numberOfObjects describe the object table', async () => {
    const m = await served.client();
    const before = await m._numberOfObjects();
    const c = await m.Counter();
    expect(await m._numberOfObjects()).to.equal(before + 1);
    expect(await m._debugInfo()).to.include(`${c._token.id}:`);
    await c._release();
    expect(await m._numberOfObjects()).to.equal(before);
  });

  it('the proxy token names typeid, address and id', async () => {
    const m = await served.client();
    const c = await m.Counter();
    expect(c._token).to.be.instanceOf(Token);
    expect(c._token.typeid).to.equal('Counter');
    expect(c._token.address).to.deep.equal(served.address);
    expect(String(c)).to.match(/AutoProxy\[Counter\]/);
  });

  it('close() rejects every pending call with ConnectionClosedError and later calls too', async () => {
    const m = await served.client();
    const c = await m.async_counter();
    const pending = c.slowDouble(1);
    await m.close();
    const error: unknown = await rejection(pending);
    expect(error).to.be.instanceOf(ConnectionClosedError);
    expect(() => m.Counter()).to.throw(ManagerError);
  });

  it('await using releases a proxy at the end of the block', async () => {
    const m = await served.client();
    const before = await m._numberOfObjects();
    {
      await using c = await m.Counter();
      expect(await m._numberOfObjects()).to.equal(before + 1);
      await c.increment();
    }
    expect(await m._numberOfObjects()).to.equal(before);
  });
});

describe('Server lifecycle', () => {
  it('listen() resolves the real port; serveForever() resolves after a client shutdown()', async () => {
    const server = new TestManager({ address: ['127.0.0.1', 0], authkey: 'k' }).getServer();
    const address = await server.listen();
    expect(address).to.be.an('array');
    expect((address as [string, number])[1]).to.be.greaterThan(0);
    const done = server.serveForever();
    const client = new TestManager({ address, authkey: 'k' });
    await client.connect();
    await client.shutdown();
    await done;
    const late = new TestManager({ address, authkey: 'k' });
    const error: unknown = await rejection(late.connect());
    expect(error).to.be.instanceOf(ConnectionClosedError);
  });

  it('close() settles the pending calls of connected clients', async () => {
    const served = await serve(TestManager);
    const m = await served.client();
    const c = await m.async_counter();
    const pending = c.slowDouble(5).then(
      (v: unknown) => v,
      (e: unknown) => e,
    );
    await served.server.close();
    const outcome = await pending;
    expect(outcome === 10 || outcome instanceof ConnectionClosedError).to.equal(true);
    await served.close();
  });

  it('a call pending when the server closes rejects ConnectionClosedError promptly', async () => {
    const served = await serve(TestManager);
    const m = await served.client();
    const c = await m.Counter();
    const pending = rejection(c.hang());
    await served.server.close();
    const started = Date.now();
    expect(await pending).to.be.instanceOf(ConnectionClosedError);
    expect(Date.now() - started).to.be.lessThan(3000);
    await served.close();
  });

  it('serves on a Unix socket path', async () => {
    const path = `/tmp/mpm-test-${process.pid}-${Date.now()}.sock`;
    const served = await serve(SyncManager, { address: path });
    expect(served.address).to.equal(path);
    const m = await served.client();
    const l = await m.list([1, 2]);
    await l.append(3);
    expect(await l._getValue()).to.deep.equal([1, 2, 3]);
    await served.close();
  });

  it('getServer() is refused once connected', async () => {
    const served = await serve(TestManager);
    const m = await served.client();
    expect(() => m.getServer()).to.throw(ManagerError);
    await served.close();
  });

  it('a proxy received as an argument reaches server code as a ServerRef to the live referent', async () => {
    let seen: unknown;
    class RefManager extends SyncManager {}
    class Inspector {
      inspect(ref: ServerRef): number {
        seen = ref.referent;
        return Array.isArray(seen) ? seen.length : -1;
      }
    }
    RefManager.register('inspect', { callable: () => new Inspector() });
    const served = await serve(RefManager);
    const m = await served.client();
    const l = await m.list([1, 2, 3]);
    const inspector = (await m._create('inspect')) as AutoProxy;
    expect(await inspector.inspect(l)).to.equal(3);
    expect(seen).to.deep.equal([1, 2, 3]);
    await served.close();
  });
});
