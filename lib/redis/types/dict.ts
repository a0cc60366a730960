// dict: a Redis hash of msgpack(key) → msgpack(value). Keys compare by their encoding (so 1 and '1'
// differ, as in Python; 1 and 1.0 are one key, as in JavaScript). Order is the hash's, not
// insertion order. The hash always holds one sentinel field '' (no msgpack value is empty), so it
// never disappears when emptied and keeps the object's TTL: get and set are then plain HGET/HSET,
// as fast as the bare client.
import { KeyError } from '../../errors.js';
import { pyRepr } from '../../server/adapters/index.js';
import type { TypeFamily, OpContext, Layout } from './op.js';
import type { RedisStore } from '../store.js';

const UPDATE = `
live()
for j = 2, #ARGV, 1000 do redis.call('HSET', D, unpack(ARGV, j, math.min(j + 999, #ARGV))) end
return 1
`;
const CLEAR = `
live()
redis.call('DEL', D)
redis.call('HSET', D, '', '')
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
local kv = redis.call('HRANDFIELD', D, 2, 'WITHVALUES')
for j = 1, #kv, 2 do
  if kv[j] ~= '' then
    redis.call('HDEL', D, kv[j])
    return {kv[j], kv[j + 1]}
  end
end
fail('KeyError', 'popitem(): dictionary is empty')
`;
const SETDEFAULT = `
live()
redis.call('HSETNX', D, ARGV[2], ARGV[3])
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
  const flat = (await ctx.store.run(ctx.h, 'getall')) as Buffer[];
  const sentinel = flat.findIndex((b, i) => i % 2 === 0 && b.length === 0);
  if (sentinel >= 0) flat.splice(sentinel, 2);
  return new Map(await pairs(ctx, flat));
}

const SENTINEL = Buffer.alloc(0);

/** Without the sentinel (the only empty field, and the only empty value). */
function nonEmpty(items: Buffer[]): Buffer[] {
  return items.filter((b) => b.length > 0);
}

function entriesOf(arg: unknown): [unknown, unknown][] {
  if (arg instanceof Map) return [...arg];
  if (Array.isArray(arg)) return arg as [unknown, unknown][];
  return Object.entries(arg as object);
}

export const dictFamily: TypeFamily = {
  name: 'dict',
  typeids: ['dict'],
  scripts: { getall: GETALL, clear: CLEAR, update: UPDATE, pop: POP, popitem: POPITEM, setdefault: SETDEFAULT },
  ops: {
    // The hot ops are not async: each is one command and one promise (see RedisStore.reply).
    get(ctx, [key, dflt]) {
      const { store, h } = ctx;
      return store.reply(() => store.client.hgetBuffer(h.keys[1], store.encodeKey(key)), 'dict get', (v) => (v === null ? (dflt ?? null) : store.decode(v)));
    },
    __getitem__(ctx, [key]) {
      const { store, h } = ctx;
      return store.reply(() => store.client.hgetBuffer(h.keys[1], store.encodeKey(key)), 'dict get', (v) => {
        if (v === null) throw new KeyError(pyRepr(key));
        return store.decode(v);
      });
    },
    __setitem__(ctx, [key, value]) {
      const { store, h } = ctx;
      const k = store.encodePlain(key);
      const v = store.encodePlain(value);
      if (k !== undefined && v !== undefined) return store.reply(() => store.client.hset(h.keys[1], k, v), 'dict set', () => undefined);
      // An anonymous object inside the key or value: pinned to this dict before it is stored.
      return store.encodeAll([key, value], h).then(([k2, v2]) => store.cmd(() => store.client.hset(h.keys[1], k2, v2), 'dict set').then(() => undefined));
    },
    __delitem__(ctx, [key]) {
      const { store, h } = ctx;
      return store.reply(() => store.client.hdel(h.keys[1], store.encodeKey(key)), 'dict delete', (n) => {
        if (n === 0) throw new KeyError(pyRepr(key));
      });
    },
    __contains__(ctx, [key]) {
      const { store, h } = ctx;
      return store.reply(() => store.client.hexists(h.keys[1], store.encodeKey(key)), 'dict has', (n) => n === 1);
    },
    async keys(ctx) {
      return ctx.store.decodeAll(nonEmpty(await ctx.store.cmd(() => ctx.store.client.hkeysBuffer(ctx.h.keys[1]), 'dict keys')));
    },
    async values(ctx) {
      return ctx.store.decodeAll(nonEmpty(await ctx.store.cmd(() => ctx.store.client.hvalsBuffer(ctx.h.keys[1]), 'dict values')));
    },
    async items(ctx) {
      return [...(await asMap(ctx))];
    },
    async __len__(ctx) {
      return Math.max(0, (await ctx.store.cmd(() => ctx.store.client.hlen(ctx.h.keys[1]), 'dict length')) - 1);
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
      const encoded = await ctx.store.encodeAll(flat, ctx.h);
      await ctx.store.cmd(() => ctx.store.client.hset(ctx.h.keys[1], ...encoded), 'dict update');
    },
    async clear(ctx) {
      await ctx.store.run(ctx.h, 'clear');
    },
    copy: asMap,
    '#GETVALUE': asMap,
  },
};

/** The hash layout `create` writes for `dict(init)`. */
export function dictLayout(store: RedisStore, init: unknown): Layout {
  const { bytes, stored } = store.encodeCollecting(init === undefined || init === null ? [] : entriesOf(init).flat());
  return { hash: [SENTINEL, SENTINEL, ...bytes], stored };
}
