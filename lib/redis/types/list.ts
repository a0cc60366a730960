// list: a Redis list of msgpack values. Python's indexing rules are applied inside the scripts
// (negative indices, IndexError), so every operation is one atomic script or command. Equality
// (remove, index, count, in) compares encodings. sort() reads, sorts here with Python's ordering,
// and writes back only if the list is unchanged (compare-and-swap on a digest), retrying otherwise.
import { createHash } from 'node:crypto';
import { IndexError, ValueError } from '../../errors.js';
import { Slice } from '../../codec/slice.js';
import { pyRepr } from '../../server/adapters/index.js';
import { pySorted } from '../../server/adapters/pySort.js';
import { resolveSlice } from '../../server/adapters/sequenceIndexing.js';
import type { RedisStore } from '../store.js';
import type { Layout, OpContext, TypeFamily } from './op.js';

const PUSH = `
live()
local n = redis.call('LLEN', D)
for j = 2, #ARGV, 500 do redis.call('RPUSH', D, unpack(ARGV, j, math.min(j + 499, #ARGV))) end
if n == 0 then keep(D) end
return 1
`;
const INSERT = `
live()
local n = redis.call('LLEN', D)
local i = tonumber(ARGV[2])
if i < 0 then i = math.max(i + n, 0) end
if i >= n then redis.call('RPUSH', D, ARGV[3])
elseif i == 0 then redis.call('LPUSH', D, ARGV[3])
else
  local tail = redis.call('LRANGE', D, i, -1)
  redis.call('LTRIM', D, 0, i - 1)
  redis.call('RPUSH', D, ARGV[3])
  for j = 1, #tail, 500 do redis.call('RPUSH', D, unpack(tail, j, math.min(j + 499, #tail))) end
end
if n == 0 then keep(D) end
return 1
`;
// Removes item i through a tombstone no stored value can equal (0x00 then bytes: never one msgpack value).
const TAKE = `
local function take(i, n)
  if i == n - 1 then return redis.call('RPOP', D) end
  if i == 0 then return redis.call('LPOP', D) end
  local v = redis.call('LINDEX', D, i)
  redis.call('LSET', D, i, '\\0mp-tomb')
  redis.call('LREM', D, 1, '\\0mp-tomb')
  return v
end
local n = redis.call('LLEN', D)
local i = tonumber(ARGV[2])
if i < 0 then i = i + n end
`;
const POP = `${TAKE}
if n == 0 then fail('IndexError', 'pop from empty list') end
if i < 0 or i >= n then fail('IndexError', 'pop index out of range') end
return take(i, n)
`;
const DELETE = `${TAKE}
if i < 0 or i >= n then fail('IndexError', 'list assignment index out of range') end
take(i, n)
return 1
`;
/** `x[i] = v` on a Redis list; `noun` names the type in the IndexError ('list', 'array'). */
export function setItemScript(noun: string): string {
  return `
live()
local n = redis.call('LLEN', D)
local i = tonumber(ARGV[2])
if i < 0 then i = i + n end
if i < 0 or i >= n then fail('IndexError', '${noun} assignment index out of range') end
redis.call('LSET', D, i, ARGV[3])
return 1
`;
}
const SETITEM = setItemScript('list');
const INDEX = `
local n = redis.call('LLEN', D)
local function bound(s, dflt)
  if s == '' then return dflt end
  local v = tonumber(s)
  if v < 0 then v = math.max(v + n, 0) end
  return math.min(v, n)
end
local start, stop = bound(ARGV[3], 0), bound(ARGV[4], n)
if stop <= start then return -1 end
local items = redis.call('LRANGE', D, start, stop - 1)
for j, v in ipairs(items) do if v == ARGV[2] then return start + j - 1 end end
return -1
`;
const REVERSE = `
local items = redis.call('LRANGE', D, 0, -1)
if #items < 2 then return 1 end
redis.call('DEL', D)
for j = #items, 1, -500 do
  local chunk = {}
  for k = j, math.max(j - 499, 1), -1 do chunk[#chunk + 1] = items[k] end
  redis.call('RPUSH', D, unpack(chunk))
end
keep(D)
return 1
`;
// ARGV: H, digest of the list as read, new items...: replaces the list only if it is unchanged.
const REPLACE = `
local items = redis.call('LRANGE', D, 0, -1)
local parts = {}
for j, v in ipairs(items) do parts[j] = #v .. ':' .. v end
if redis.sha1hex(table.concat(parts)) ~= ARGV[2] then return 0 end
redis.call('DEL', D)
for j = 3, #ARGV, 500 do redis.call('RPUSH', D, unpack(ARGV, j, math.min(j + 499, #ARGV))) end
keep(D)
return 1
`;

function digest(items: Buffer[]): string {
  const hash = createHash('sha1');
  for (const item of items) hash.update(`${item.length}:`).update(item);
  return hash.digest('hex');
}

function all(ctx: OpContext): Promise<Buffer[]> {
  return ctx.store.cmd(() => ctx.store.client.lrangeBuffer(ctx.h.keys[1], 0, -1), 'list read');
}

function getitem(ctx: OpContext, [index]: unknown[]): Promise<unknown> {
  const { store, h } = ctx;
  if (index instanceof Slice) {
    return all(ctx).then(async (raw) => {
      const items = await store.decodeAll(raw);
      const { start, step, count } = resolveSlice(index, items.length);
      return Array.from({ length: count }, (_, k) => items[start + k * step]);
    });
  }
  return store.reply(() => store.client.lindexBuffer(h.keys[1], index as number), 'list get', (v) => {
    if (v === null) throw new IndexError('list index out of range');
    return store.decode(v);
  });
}

export const listFamily: TypeFamily = {
  name: 'list',
  typeids: ['list'],
  scripts: { push: PUSH, insert: INSERT, pop: POP, delete: DELETE, setitem: SETITEM, index: INDEX, reverse: REVERSE, replace: REPLACE },
  ops: {
    async append(ctx, [value]) {
      await ctx.store.run(ctx.h, 'push', [await ctx.store.encode(value, ctx.h)]);
    },
    async extend(ctx, [values]) {
      const items = [...(values as Iterable<unknown>)];
      if (items.length > 0) await ctx.store.run(ctx.h, 'push', await ctx.store.encodeAll(items, ctx.h));
    },
    async insert(ctx, [index, value]) {
      await ctx.store.run(ctx.h, 'insert', [index as number, await ctx.store.encode(value, ctx.h)]);
    },
    async pop(ctx, [index = -1]) {
      return ctx.store.decode((await ctx.store.run(ctx.h, 'pop', [index as number])) as Buffer);
    },
    async remove(ctx, [value]) {
      const encoded = await ctx.store.encode(value);
      const n = await ctx.store.cmd(() => ctx.store.client.lrem(ctx.h.keys[1], 1, encoded), 'list remove');
      if (n === 0) throw new ValueError('list.remove(x): x not in list');
    },
    async index(ctx, [value, start, stop]) {
      const bound = (b: unknown): string => (b === undefined || b === null ? '' : String(b));
      const i = (await ctx.store.run(ctx.h, 'index', [await ctx.store.encode(value), bound(start), bound(stop)])) as number;
      if (i < 0) throw new ValueError(`${pyRepr(value)} is not in list`);
      return i;
    },
    async count(ctx, [value]) {
      const encoded = await ctx.store.encode(value);
      const found = await ctx.store.cmd(() => ctx.store.client.lpos(ctx.h.keys[1], encoded, 'COUNT', 0), 'list count');
      return found.length;
    },
    async reverse(ctx) {
      await ctx.store.run(ctx.h, 'reverse');
    },
    async sort(ctx, _args, kwargs) {
      for (;;) {
        const raw = await all(ctx);
        const sorted = pySorted(await ctx.store.decodeAll(raw), kwargs?.reverse === true);
        const bytes = await ctx.store.encodeAll(sorted);
        if ((await ctx.store.run(ctx.h, 'replace', [digest(raw), ...bytes])) === 1) return;
      }
    },
    async clear(ctx) {
      await ctx.store.cmd(() => ctx.store.client.del(ctx.h.keys[1]), 'list clear');
    },
    __getitem__: getitem,
    async __setitem__(ctx, [index, value]) {
      await ctx.store.run(ctx.h, 'setitem', [index as number, await ctx.store.encode(value, ctx.h)]);
    },
    async __delitem__(ctx, [index]) {
      await ctx.store.run(ctx.h, 'delete', [index as number]);
    },
    async __len__(ctx) {
      return ctx.store.cmd(() => ctx.store.client.llen(ctx.h.keys[1]), 'list length');
    },
    async __contains__(ctx, [value]) {
      const encoded = await ctx.store.encode(value);
      return (await ctx.store.cmd(() => ctx.store.client.lpos(ctx.h.keys[1], encoded), 'list contains')) !== null;
    },
    async '#GETVALUE'(ctx) {
      return ctx.store.decodeAll(await all(ctx));
    },
  },
};

export function listLayout(store: RedisStore, items: unknown): Layout {
  const { bytes, stored } = store.encodeCollecting([...((items ?? []) as Iterable<unknown>)]);
  return { list: bytes, stored };
}
