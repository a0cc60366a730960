// Namespace (a hash of attribute name → msgpack value), Value (one msgpack string) and Array (a
// Redis list of fixed length). Value and Array keep their typecode in the meta hash and enforce it
// here, before writing, with the same checks as the built-in server.
import { AttributeError, IndexError, ManagerError, TypeError as PyTypeError } from '../../errors.js';
import { checkTypecode, checkTypecodeValue } from '../../server/adapters/index.js';
import { zeroValue } from '../../server/adapters/typecodes.js';
import type { RedisStore } from '../store.js';
import type { Layout, OpContext, TypeFamily } from './op.js';
import { setItemScript } from './list.js';

const HGETALL = `
return redis.call('HGETALL', D)
`;
const SET_ITEM = setItemScript('array');

function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new PyTypeError('attribute name must be string');
  return name;
}

/**
 * A Namespace's hash always holds one sentinel field, the byte 0xff (no attribute name is: a string
 * is sent as UTF-8, which never contains that byte), so that the hash never disappears when its
 * last attribute is deleted and keeps the object's TTL; setting an attribute is then a plain HSET,
 * as a dict's set is. (Before, a script re-applied the TTL to a recreated hash.)
 */
const NS_SENTINEL = Buffer.from([0xff]);

export const namespaceFamily: TypeFamily = {
  name: 'ns',
  typeids: ['Namespace'],
  scripts: { getall: HGETALL },
  ops: {
    __getattribute__(ctx, [name]) {
      const { store, h } = ctx;
      return store.reply(() => store.client.hgetBuffer(h.keys[1], checkName(name)), 'Namespace get', (v) => {
        if (v === null) throw new AttributeError(`'Namespace' object has no attribute '${String(name)}'`);
        return store.decode(v);
      });
    },
    __setattr__(ctx, [name, value]) {
      const { store, h } = ctx;
      const field = checkName(name);
      const v = store.encodePlain(value);
      if (v !== undefined) return store.reply(() => store.client.hset(h.keys[1], field, v), 'Namespace set', () => undefined);
      // An anonymous object inside the value: pinned to this Namespace before it is stored.
      return Promise.resolve(store.encode(value, h)).then((pinned) => store.cmd(() => store.client.hset(h.keys[1], field, pinned), 'Namespace set').then(() => undefined));
    },
    __delattr__(ctx, [name]) {
      const { store, h } = ctx;
      return store.reply(() => store.client.hdel(h.keys[1], checkName(name)), 'Namespace delete', (n) => {
        if (n === 0) throw new AttributeError(`'Namespace' object has no attribute '${String(name)}'`);
      });
    },
    async '#GETVALUE'(ctx) {
      const flat = (await ctx.store.run(ctx.h, 'getall')) as Buffer[];
      const sentinel = flat.findIndex((b, i) => i % 2 === 0 && b.equals(NS_SENTINEL));
      if (sentinel >= 0) flat.splice(sentinel, 2);
      const values = await ctx.store.decodeAll(flat.filter((_, i) => i % 2 === 1));
      const out: Record<string, unknown> = {};
      values.forEach((v, i) => Object.defineProperty(out, flat[2 * i].toString(), { value: v, writable: true, enumerable: true, configurable: true }));
      return out;
    },
  },
};

/** The typecode of a Value or Array, read once from its meta hash (then without a promise). */
function typecodeOf(ctx: OpContext): string | Promise<string> {
  const cache = typecodes(ctx.store);
  const code = cache.get(ctx.h.id);
  if (code !== undefined) return code;
  return ctx.store.cmd(() => ctx.store.client.hget(ctx.h.keys[0], 'typecode'), 'typecode').then((read) => {
    cache.set(ctx.h.id, read ?? 'd');
    return read ?? 'd';
  });
}

const caches = new WeakMap<RedisStore, Map<string, string>>();
function typecodes(store: RedisStore): Map<string, string> {
  let cache = caches.get(store);
  if (cache === undefined) caches.set(store, (cache = new Map()));
  return cache;
}

export const valueFamily: TypeFamily = {
  name: 'value',
  typeids: ['Value'],
  scripts: {},
  ops: {
    get(ctx) {
      const { store, h } = ctx;
      return store.reply(() => store.client.getBuffer(h.keys[1]), 'Value get', (v) => store.decode(v));
    },
    // A plain SET: XX refuses an object whose data string is gone (deleted: the value always has
    // one), KEEPTTL keeps an anonymous object's TTL. A typecode admits no proxy: nothing to pin.
    set(ctx, [value]) {
      const code = typecodeOf(ctx);
      return typeof code === 'string' ? setValue(ctx, code, value) : code.then((c) => setValue(ctx, c, value));
    },
  },
};

function setValue(ctx: OpContext, code: string, value: unknown): Promise<void> {
  const { store, h } = ctx;
  const bytes = store.encodeKey(checkTypecodeValue(code, value));
  return store.reply(() => store.client.set(h.keys[1], bytes, 'KEEPTTL', 'XX'), 'Value set', (done) => {
    if (done === null) throw new ManagerError('Value set: the shared object no longer exists (released, or its lease expired)');
  });
}
valueFamily.ops['#GETVALUE'] = valueFamily.ops.get!;

async function arrayItems(ctx: OpContext): Promise<unknown[]> {
  return ctx.store.decodeAll(await ctx.store.cmd(() => ctx.store.client.lrangeBuffer(ctx.h.keys[1], 0, -1), 'Array read'));
}

export const arrayFamily: TypeFamily = {
  name: 'array',
  typeids: ['Array'],
  scripts: { set: SET_ITEM },
  ops: {
    async __getitem__(ctx, [index]) {
      if (typeof index !== 'number') throw new PyTypeError('array indices must be integers');
      const v = await ctx.store.cmd(() => ctx.store.client.lindexBuffer(ctx.h.keys[1], index), 'Array get');
      if (v === null) throw new IndexError('array index out of range');
      return ctx.store.decode(v);
    },
    async __setitem__(ctx, [index, value]) {
      const checked = checkTypecodeValue(await typecodeOf(ctx), value);
      await ctx.store.run(ctx.h, 'set', [index as number, await ctx.store.encode(checked)]);
    },
    async __len__(ctx) {
      return ctx.store.cmd(() => ctx.store.client.llen(ctx.h.keys[1]), 'Array length');
    },
    '#GETVALUE': arrayItems,
  },
};

export function namespaceLayout(store: RedisStore, init: unknown): Layout {
  const entries = Object.entries((init ?? {}) as Record<string, unknown>);
  const { bytes, stored } = store.encodeCollecting(entries.map(([, v]) => v));
  return { hash: [NS_SENTINEL, '', ...entries.flatMap(([k], i) => [k, bytes[i]])], stored };
}

/** Value(typecode, value): the typecode in meta, the checked value as the data string (set after create). */
export function valueLayout(store: RedisStore, typecode: unknown, value: unknown): Layout {
  const code = checkTypecode(typecode);
  const [bytes] = store.encodeCollecting([checkTypecodeValue(code, value)]).bytes;
  return { fields: { typecode: code }, value: bytes };
}

export function arrayLayout(store: RedisStore, typecode: unknown, items: unknown): Layout {
  const code = checkTypecode(typecode);
  const values = typeof items === 'number' ? Array.from({ length: items }, () => zeroValue(code)) : [...(items as Iterable<unknown>)];
  return { fields: { typecode: code }, list: store.encodeCollecting(values.map((v) => checkTypecodeValue(code, v))).bytes };
}
