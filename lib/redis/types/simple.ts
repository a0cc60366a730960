// Namespace (a hash of attribute name → msgpack value), Value (one msgpack string) and Array (a
// Redis list of fixed length). Value and Array keep their typecode in the meta hash and enforce it
// here, before writing, with the same checks as the built-in server.
import { AttributeError, IndexError, TypeError as PyTypeError } from '../../errors.js';
import { checkTypecode, checkTypecodeValue } from '../../server/adapters/index.js';
import { zeroValue } from '../../server/adapters/typecodes.js';
import type { RedisStore } from '../store.js';
import type { Layout, OpContext, TypeFamily } from './op.js';

const HSET_ONE = `
live()
if redis.call('HSET', D, ARGV[2], ARGV[3]) == 1 and redis.call('HLEN', D) == 1 then keep(D) end
return 1
`;
const HGETALL = `
return redis.call('HGETALL', D)
`;
const SET_VALUE = `
live()
redis.call('SET', D, ARGV[2], 'KEEPTTL')
return 1
`;
const SET_ITEM = `
live()
local n = redis.call('LLEN', D)
local i = tonumber(ARGV[2])
if i < 0 then i = i + n end
if i < 0 or i >= n then fail('IndexError', 'array assignment index out of range') end
redis.call('LSET', D, i, ARGV[3])
return 1
`;

function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new PyTypeError('attribute name must be string');
  return name;
}

export const namespaceFamily: TypeFamily = {
  name: 'ns',
  typeids: ['Namespace'],
  scripts: { set: HSET_ONE, getall: HGETALL },
  ops: {
    async __getattribute__(ctx, [name]) {
      const v = await ctx.store.cmd(ctx.store.client.hgetBuffer(ctx.h.keys[1], checkName(name)), 'Namespace get');
      if (v === null) throw new AttributeError(`'Namespace' object has no attribute '${String(name)}'`);
      return ctx.store.decode(v);
    },
    async __setattr__(ctx, [name, value]) {
      await ctx.store.run(ctx.h, 'set', [checkName(name), await ctx.store.encode(value, ctx.h)]);
    },
    async __delattr__(ctx, [name]) {
      const n = await ctx.store.cmd(ctx.store.client.hdel(ctx.h.keys[1], checkName(name)), 'Namespace delete');
      if (n === 0) throw new AttributeError(`'Namespace' object has no attribute '${String(name)}'`);
    },
    async '#GETVALUE'(ctx) {
      const flat = (await ctx.store.run(ctx.h, 'getall')) as Buffer[];
      const values = await ctx.store.decodeAll(flat.filter((_, i) => i % 2 === 1));
      const out: Record<string, unknown> = {};
      values.forEach((v, i) => Object.defineProperty(out, flat[2 * i].toString(), { value: v, writable: true, enumerable: true, configurable: true }));
      return out;
    },
  },
};

/** The typecode of a Value or Array, read once from its meta hash. */
async function typecodeOf(ctx: OpContext): Promise<string> {
  const cache = typecodes(ctx.store);
  let code = cache.get(ctx.h.id);
  if (code === undefined) {
    code = (await ctx.store.cmd(ctx.store.client.hget(ctx.h.keys[0], 'typecode'), 'typecode')) ?? 'd';
    cache.set(ctx.h.id, code);
  }
  return code;
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
  scripts: { set: SET_VALUE },
  ops: {
    async get(ctx) {
      return ctx.store.decode(await ctx.store.cmd(ctx.store.client.getBuffer(ctx.h.keys[1]), 'Value get'));
    },
    async set(ctx, [value]) {
      const checked = checkTypecodeValue(await typecodeOf(ctx), value);
      await ctx.store.run(ctx.h, 'set', [await ctx.store.encode(checked)]);
    },
  },
};
valueFamily.ops['#GETVALUE'] = valueFamily.ops.get!;

async function arrayItems(ctx: OpContext): Promise<unknown[]> {
  return ctx.store.decodeAll(await ctx.store.cmd(ctx.store.client.lrangeBuffer(ctx.h.keys[1], 0, -1), 'Array read'));
}

export const arrayFamily: TypeFamily = {
  name: 'array',
  typeids: ['Array'],
  scripts: { set: SET_ITEM },
  ops: {
    async __getitem__(ctx, [index]) {
      if (typeof index !== 'number') throw new PyTypeError('array indices must be integers');
      const v = await ctx.store.cmd(ctx.store.client.lindexBuffer(ctx.h.keys[1], index), 'Array get');
      if (v === null) throw new IndexError('array index out of range');
      return ctx.store.decode(v);
    },
    async __setitem__(ctx, [index, value]) {
      const checked = checkTypecodeValue(await typecodeOf(ctx), value);
      await ctx.store.run(ctx.h, 'set', [index as number, await ctx.store.encode(checked)]);
    },
    async __len__(ctx) {
      return ctx.store.cmd(ctx.store.client.llen(ctx.h.keys[1]), 'Array length');
    },
    '#GETVALUE': arrayItems,
  },
};

export function namespaceLayout(store: RedisStore, init: unknown): Layout {
  const entries = Object.entries((init ?? {}) as Record<string, unknown>);
  const { bytes, stored } = store.encodeCollecting(entries.map(([, v]) => v));
  return { hash: entries.flatMap(([k], i) => [k, bytes[i]]), stored };
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
