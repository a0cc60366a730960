// dict: a Redis hash of msgpack(key) → msgpack(value). Keys compare by their encoding (so 1 and '1'
// differ, as in Python; 1 and 1.0 are one key, as in JavaScript). Order is the hash's, not
// insertion order.
import { KeyError } from '../../errors.js';
import { pyRepr } from '../../server/adapters/index.js';
import type { TypeFamily, OpContext, Layout } from './op.js';
import type { RedisStore } from '../store.js';

const SET = `
live()
if redis.call('HSET', D, ARGV[2], ARGV[3]) == 1 and redis.call('HLEN', D) == 1 then keep(D) end
return 1
`;
const UPDATE = `
live()
for j = 2, #ARGV, 1000 do redis.call('HSET', D, unpack(ARGV, j, math.min(j + 999, #ARGV))) end
keep(D)
return 1
`;
const GETALL = `
return redis.call('HGETALL', D)
`;
const POP = `
local v = redis.call('HGET', D, ARGV[2])
if v then redis.call('HDEL', D, ARGV[2]) end
return v
`;
const POPITEM = `
local kv = redis.call('HRANDFIELD', D, 1, 'WITHVALUES')
if #kv == 0 then fail('KeyError', 'popitem(): dictionary is empty') end
redis.call('HDEL', D, kv[1])
return kv
`;
const SETDEFAULT = `
live()
if redis.call('HSETNX', D, ARGV[2], ARGV[3]) == 1 and redis.call('HLEN', D) == 1 then keep(D) end
return redis.call('HGET', D, ARGV[2])
`;

async function pairs(ctx: OpContext, flat: Buffer[]): Promise<[unknown, unknown][]> {
  const decoded = await ctx.store.decodeAll(flat);
  const out: [unknown, unknown][] = [];
  for (let i = 0; i < decoded.length; i += 2) out.push([decoded[i], decoded[i + 1]]);
  return out;
}

async function asMap(ctx: OpContext): Promise<Map<unknown, unknown>> {
  // A script, not HGETALL: ioredis would turn the reply into an object keyed by strings.
  return new Map(await pairs(ctx, (await ctx.store.run(ctx.h, 'getall')) as Buffer[]));
}

function entriesOf(arg: unknown): [unknown, unknown][] {
  if (arg instanceof Map) return [...arg];
  if (Array.isArray(arg)) return arg as [unknown, unknown][];
  return Object.entries(arg as object);
}

export const dictFamily: TypeFamily = {
  name: 'dict',
  typeids: ['dict'],
  scripts: { getall: GETALL, set: SET, update: UPDATE, pop: POP, popitem: POPITEM, setdefault: SETDEFAULT },
  ops: {
    async get(ctx, [key, dflt]) {
      const v = await ctx.store.cmd(ctx.store.client.hgetBuffer(ctx.h.keys[1], await ctx.store.encode(key)), 'dict get');
      return v === null ? (dflt ?? null) : ctx.store.decode(v);
    },
    async __getitem__(ctx, [key]) {
      const v = await ctx.store.cmd(ctx.store.client.hgetBuffer(ctx.h.keys[1], await ctx.store.encode(key)), 'dict get');
      if (v === null) throw new KeyError(pyRepr(key));
      return ctx.store.decode(v);
    },
    async __setitem__(ctx, [key, value]) {
      const [k, v] = await ctx.store.encodeAll([key, value], ctx.h);
      await ctx.store.run(ctx.h, 'set', [k, v]);
    },
    async __delitem__(ctx, [key]) {
      const n = await ctx.store.cmd(ctx.store.client.hdel(ctx.h.keys[1], await ctx.store.encode(key)), 'dict delete');
      if (n === 0) throw new KeyError(pyRepr(key));
    },
    async __contains__(ctx, [key]) {
      return (await ctx.store.cmd(ctx.store.client.hexists(ctx.h.keys[1], await ctx.store.encode(key)), 'dict has')) === 1;
    },
    async keys(ctx) {
      return ctx.store.decodeAll(await ctx.store.cmd(ctx.store.client.hkeysBuffer(ctx.h.keys[1]), 'dict keys'));
    },
    async values(ctx) {
      return ctx.store.decodeAll(await ctx.store.cmd(ctx.store.client.hvalsBuffer(ctx.h.keys[1]), 'dict values'));
    },
    async items(ctx) {
      return [...(await asMap(ctx))];
    },
    async __len__(ctx) {
      return ctx.store.cmd(ctx.store.client.hlen(ctx.h.keys[1]), 'dict length');
    },
    async pop(ctx, args) {
      const v = (await ctx.store.run(ctx.h, 'pop', [await ctx.store.encode(args[0])])) as Buffer | null;
      if (v !== null) return ctx.store.decode(v);
      if (args.length > 1) return args[1];
      throw new KeyError(pyRepr(args[0]));
    },
    async popitem(ctx) {
      const kv = (await ctx.store.run(ctx.h, 'popitem')) as Buffer[];
      return ctx.store.decodeAll(kv);
    },
    async setdefault(ctx, [key, value]) {
      const [k, v] = await ctx.store.encodeAll([key, value ?? null], ctx.h);
      return ctx.store.decode((await ctx.store.run(ctx.h, 'setdefault', [k, v])) as Buffer);
    },
    async update(ctx, [arg]) {
      const flat = entriesOf(arg).flat();
      if (flat.length === 0) return;
      await ctx.store.run(ctx.h, 'update', await ctx.store.encodeAll(flat, ctx.h));
    },
    async clear(ctx) {
      await ctx.store.cmd(ctx.store.client.del(ctx.h.keys[1]), 'dict clear');
    },
    copy: asMap,
    '#GETVALUE': asMap,
  },
};

/** The hash layout `create` writes for `dict(init)`. */
export function dictLayout(store: RedisStore, init: unknown): Layout {
  if (init === undefined || init === null) return {};
  const { bytes, stored } = store.encodeCollecting(entriesOf(init).flat());
  return { hash: bytes, stored };
}
