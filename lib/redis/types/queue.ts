// Queue and JoinableQueue: items in a Redis list; `get` moves an item atomically into the getter's
// in-flight list (`<prefix>:{id}:f:<holder>`), the reliable-queue pattern. A holder whose lease
// expires (it died) gets its in-flight items pushed back to the head of the queue by the next
// script that reaps. When an item counts as done: for Queue, at the same holder's next get (so a
// crash while handling an item redelivers it); for JoinableQueue, at task_done (oldest first).
// Blocking calls retry their atomic script after each pub/sub message (see notifier.ts): `put:<n>`
// (n items there) wakes at most n blocked getters per process, `get:<n>` (n free slots) n putters.
import { Empty, Full } from '../../errors.js';
import { checkTimeout } from '../../primitives/timeouts.js';
import type { OpContext, TypeFamily } from './op.js';

const HOOKS = `
local function on_dead(h)
  if string.sub(h, 1, 3) == 'in:' then return end
  local f = P .. 'f:' .. h
  local moved = false
  while redis.call('LMOVE', f, D, 'RIGHT', 'LEFT') do moved = true end
  if moved then keep(D) notify('put') end
end
local function on_release(h) redis.call('DEL', P .. 'f:' .. h) end
local function holder_keys(h) return {P .. 'f:' .. h} end
`;
const PUT = `
live()
reap()
local max = tonumber(redis.call('HGET', M, 'maxsize') or '0')
local n = redis.call('LLEN', D)
if max > 0 and n >= max then return 0 end
redis.call('RPUSH', D, ARGV[2])
if n == 0 then keep(D) end
redis.call('HINCRBY', M, 'unfinished', 1)
notify('put:' .. (n + 1))
return 1
`;
const GET = `
live()
reap()
local f = P .. 'f:' .. H
if redis.call('HGET', M, 'ack') == 'next' then redis.call('DEL', f) end
local v = redis.call('LMOVE', D, f, 'LEFT', 'RIGHT')
if not v then return false end
keep(f)
local max = tonumber(redis.call('HGET', M, 'maxsize') or '0')
if max > 0 then notify('get:' .. (max - redis.call('LLEN', D))) end
return v
`;
const TASK_DONE = `
local u = tonumber(redis.call('HGET', M, 'unfinished') or '0')
if u <= 0 then fail('ValueError', 'task_done() called too many times') end
redis.call('HINCRBY', M, 'unfinished', -1)
if redis.call('HGET', M, 'ack') == 'done' then redis.call('LPOP', P .. 'f:' .. H) end
if u == 1 then notify('done') end
return 1
`;
const STATE = `
live()
reap()
return {redis.call('LLEN', D), tonumber(redis.call('HGET', M, 'maxsize') or '0'), tonumber(redis.call('HGET', M, 'unfinished') or '0')}
`;

async function put(ctx: OpContext, item: unknown, block: boolean, timeout: number | null): Promise<void> {
  const seconds = block ? checkTimeout(timeout) : 0;
  const bytes = await ctx.store.encode(item, ctx.h);
  const attempt = async (): Promise<true | undefined> => ((await ctx.store.runDurable(ctx.h, 'put', [bytes], putDone)) === 1 ? true : undefined);
  const done = await ctx.store.notifier.waitFor(ctx.h.channel, attempt, seconds, ctx.signal, ctx.store.settings.recheckMs, 'get');
  if (done === undefined) throw new Full();
}

/** Which replies of put/task_done wrote something that replicaAcks must see on the replicas (a full queue's 0 did not). */
const putDone = (reply: unknown): boolean => reply === 1;
const always = (): boolean => true;

async function get(ctx: OpContext, block: boolean, timeout: number | null): Promise<unknown> {
  const seconds = block ? checkTimeout(timeout) : 0;
  const attempt = async (): Promise<Buffer | undefined> => ((await ctx.store.run(ctx.h, 'get')) as Buffer | null) ?? undefined;
  const bytes = await ctx.store.notifier.waitFor(ctx.h.channel, attempt, seconds, ctx.signal, ctx.store.settings.recheckMs, 'put');
  if (bytes === undefined) throw new Empty();
  return ctx.store.decode(bytes);
}

async function state(ctx: OpContext): Promise<{ size: number; maxsize: number; unfinished: number }> {
  const [size, maxsize, unfinished] = (await ctx.store.run(ctx.h, 'state')) as number[];
  return { size: size, maxsize: maxsize, unfinished: unfinished };
}

export const queueFamily: TypeFamily = {
  name: 'queue',
  typeids: ['Queue', 'JoinableQueue'],
  hooks: HOOKS,
  scripts: { put: PUT, get: GET, task_done: TASK_DONE, state: STATE },
  ops: {
    put: (ctx, [item, block = true, timeout = null]) => put(ctx, item, block as boolean, timeout as number | null),
    put_nowait: (ctx, [item]) => put(ctx, item, false, null),
    get: (ctx, [block = true, timeout = null]) => get(ctx, block as boolean, timeout as number | null),
    get_nowait: (ctx) => get(ctx, false, null),
    qsize: async (ctx) => (await state(ctx)).size,
    empty: async (ctx) => (await state(ctx)).size === 0,
    full: async (ctx) => {
      const s = await state(ctx);
      return s.maxsize > 0 && s.size >= s.maxsize;
    },
    task_done: async (ctx) => {
      await ctx.store.runDurable(ctx.h, 'task_done', [], always);
    },
    join: async (ctx) => {
      const attempt = async (): Promise<true | undefined> => ((await state(ctx)).unfinished === 0 ? true : undefined);
      await ctx.store.notifier.waitFor(ctx.h.channel, attempt, null, ctx.signal, ctx.store.settings.recheckMs);
    },
  },
};

export function queueLayout(typeid: string, maxsize: unknown): { fields: Record<string, string | number> } {
  const max = maxsize === undefined || maxsize === null ? 0 : Number(maxsize);
  return { fields: { maxsize: Number.isFinite(max) && max > 0 ? Math.floor(max) : 0, unfinished: 0, ack: typeid === 'JoinableQueue' ? 'done' : 'next' } };
}
