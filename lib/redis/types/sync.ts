// Event, Condition and Barrier across processes: state in the meta hash, changes announced on the
// object's pub/sub channel, waiters re-running an atomic check after each message (notifier.ts).
import { randomUUID } from 'node:crypto';
import { BrokenBarrierError, RuntimeError, TypeError as PyTypeError, ValueError, AttributeError } from '../../errors.js';
import { abortErrorFor, checkTimeout } from '../../primitives/timeouts.js';
import type { OpContext, TypeFamily } from './op.js';
import { acquireLock, lockFamily } from './locks.js';

const EVENT_SET = `
live()
redis.call('HSET', M, 'flag', 1)
notify('set')
return 1
`;

async function isSet(ctx: OpContext): Promise<boolean> {
  return (await ctx.store.cmd(() => ctx.store.client.hget(ctx.h.keys[0], 'flag'), 'Event is_set')) === '1';
}

export const eventFamily: TypeFamily = {
  name: 'event',
  typeids: ['Event'],
  scripts: { set: EVENT_SET },
  ops: {
    is_set: isSet,
    set: async (ctx) => {
      await ctx.store.run(ctx.h, 'set');
    },
    clear: async (ctx) => {
      await ctx.store.cmd(() => ctx.store.client.hset(ctx.h.keys[0], 'flag', 0), 'Event clear');
    },
    wait: async (ctx, [timeout = null]) => {
      const seconds = checkTimeout(timeout as number | null);
      const attempt = async (): Promise<true | undefined> => ((await isSet(ctx)) ? true : undefined);
      return (await ctx.store.notifier.waitFor(ctx.h.channel, attempt, seconds, ctx.signal, ctx.store.settings.recheckMs)) === true;
    },
  },
};

// ---- Condition: A = waiting tickets (a list, FIFO), D = tickets notified (a set).
const COND_HOOKS = `
local function on_dead(h)
  for _, t in ipairs(redis.call('LRANGE', A, 0, -1)) do
    if string.sub(t, 1, #h + 1) == h .. '|' then redis.call('LREM', A, 0, t) end
  end
end
local function on_release(h) end
`;
const COND_ENTER = `
live()
reap()
redis.call('RPUSH', A, ARGV[2])
keep(A)
return 1
`;
const COND_CHECK = `
return redis.call('SREM', D, ARGV[2])
`;
const COND_LEAVE = `
redis.call('LREM', A, 0, ARGV[2])
return redis.call('SREM', D, ARGV[2])
`;
// ARGV: H, n (-1: all).
const COND_NOTIFY = `
reap()
local n = tonumber(ARGV[2])
if n < 0 then n = redis.call('LLEN', A) end
local woken = 0
while woken < n do
  local t = redis.call('LPOP', A)
  if not t then break end
  redis.call('SADD', D, t)
  woken = woken + 1
end
if woken > 0 then keep(D) notify('notify') end
return woken
`;

/** Locks of conditions this store has used: it holds a reference to each (so its ownership has a lease). */
const usedLocks = new WeakMap<object, Map<string, Promise<string>>>();

async function lockContext(ctx: OpContext): Promise<OpContext> {
  let locks = usedLocks.get(ctx.store);
  if (locks === undefined) usedLocks.set(ctx.store, (locks = new Map()));
  let lockId = locks.get(ctx.h.id);
  if (lockId === undefined) {
    lockId = (async () => {
      const id = await ctx.store.cmd(() => ctx.store.client.hget(ctx.h.keys[0], 'lock'), 'Condition lock');
      if (id === null) throw new RuntimeError('this Condition has no lock (was it deleted?)');
      await ctx.store.holds.adopt(id);
      return id;
    })();
    locks.set(ctx.h.id, lockId);
    lockId.catch(() => locks.delete(ctx.h.id));
  }
  return { store: ctx.store, h: ctx.store.handle(await lockId), signal: ctx.signal };
}

async function requireOwned(lock: OpContext, message: string): Promise<void> {
  if (((await lock.store.run(lock.h, 'owned')) as number) === 0) throw new RuntimeError(message);
}

async function conditionWait(ctx: OpContext, timeout: unknown): Promise<boolean> {
  const seconds = checkTimeout(timeout as number | null);
  const lock = await lockContext(ctx);
  await requireOwned(lock, 'cannot wait on un-acquired lock');
  const ticket = `${ctx.store.holder}|${randomUUID()}`;
  await ctx.store.run(ctx.h, 'enter', [ticket]);
  const level = (await ctx.store.run(lock.h, 'release_save', ['cannot wait on un-acquired lock'])) as number;
  let notified = false;
  let aborted: Error | undefined;
  try {
    const attempt = async (): Promise<true | undefined> => ((await ctx.store.run(ctx.h, 'check', [ticket])) === 1 ? true : undefined);
    notified = (await ctx.store.notifier.waitFor(ctx.h.channel, attempt, seconds, ctx.signal, ctx.store.settings.recheckMs)) === true;
  } catch (error) {
    aborted = error as Error;
  }
  if (!notified) notified = (await ctx.store.run(ctx.h, 'leave', [ticket])) === 1;
  // As Python: the lock is always taken back before wait() returns or throws.
  await acquireLock(lock, null, level, undefined);
  if (aborted !== undefined) throw aborted;
  return notified;
}

async function conditionNotify(ctx: OpContext, n: number): Promise<void> {
  await requireOwned(await lockContext(ctx), 'cannot notify on un-acquired lock');
  await ctx.store.run(ctx.h, 'notify', [n]);
}

export const conditionFamily: TypeFamily = {
  name: 'cond',
  typeids: ['Condition'],
  hooks: COND_HOOKS,
  scripts: { enter: COND_ENTER, check: COND_CHECK, leave: COND_LEAVE, notify: COND_NOTIFY },
  ops: {
    acquire: async (ctx, args, kwargs) => lockFamily.ops.acquire(await lockContext(ctx), args, kwargs),
    release: async (ctx, args, kwargs) => lockFamily.ops.release(await lockContext(ctx), args, kwargs),
    wait: (ctx, [timeout = null]) => conditionWait(ctx, timeout),
    notify: (ctx, [n = 1]) => {
      if (!Number.isInteger(n) || (n as number) < 0) throw new ValueError('n must be a non-negative integer');
      return conditionNotify(ctx, n as number);
    },
    notify_all: (ctx) => conditionNotify(ctx, -1),
  },
};

// ---- Barrier: meta parties, timeout, gen (round), count (arrived this round), broken, b<gen>
// (round <gen> ended broken); A = holder → parties of it waiting (a dead one breaks the barrier).
const BARRIER_HOOKS = `
local function break_barrier()
  if tonumber(redis.call('HGET', M, 'count') or '0') > 0 then
    local gen = redis.call('HGET', M, 'gen') or '0'
    redis.call('HSET', M, 'b' .. gen, 1, 'gen', tonumber(gen) + 1, 'count', 0)
    redis.call('DEL', A)
  end
  redis.call('HSET', M, 'broken', 1)
  notify('broken')
end
local function on_dead(h)
  if redis.call('HEXISTS', A, h) == 1 then break_barrier() end
end
local function on_release(h) end
`;
const ARRIVE = `
live()
reap()
if redis.call('HGET', M, 'broken') == '1' then fail('BrokenBarrierError', '') end
local parties = tonumber(redis.call('HGET', M, 'parties'))
local gen = tonumber(redis.call('HGET', M, 'gen') or '0')
local idx = redis.call('HINCRBY', M, 'count', 1) - 1
local timeout = redis.call('HGET', M, 'timeout') or ''
if idx + 1 == parties then
  redis.call('HSET', M, 'gen', gen + 1, 'count', 0)
  redis.call('DEL', A)
  notify('trip')
  return {idx, gen, 1, timeout}
end
redis.call('HINCRBY', A, H, 1)
keep(A)
return {idx, gen, 0, timeout}
`;
// 0: round <gen> still filling; 1: it tripped; 2: it broke.
const OUTCOME = `
local function outcome(g)
  if tonumber(redis.call('HGET', M, 'gen') or '0') == tonumber(g) then return 0 end
  if redis.call('HGET', M, 'b' .. g) then return 2 end
  return 1
end
`;
const BARRIER_CHECK = `${OUTCOME}
reap()
return outcome(ARGV[2])
`;
const BARRIER_GIVE_UP = `${OUTCOME}
if outcome(ARGV[2]) == 0 then break_barrier() end
return outcome(ARGV[2])
`;
const BARRIER_ABORT = `
break_barrier()
return 1
`;
const BARRIER_RESET = `
if redis.call('HGET', M, 'broken') ~= '1' then break_barrier() end
redis.call('HSET', M, 'broken', 0)
notify('reset')
return 1
`;
const BARRIER_ATTRS = `
return {tonumber(redis.call('HGET', M, 'parties')), tonumber(redis.call('HGET', M, 'count') or '0'), redis.call('HGET', M, 'broken') == '1' and 1 or 0}
`;

async function barrierWait(ctx: OpContext, timeout: unknown): Promise<number> {
  if (ctx.signal?.aborted) throw abortErrorFor(ctx.signal);
  const explicit = timeout === null || timeout === undefined ? undefined : checkTimeout(timeout as number);
  const [index, gen, tripped, fallback] = (await ctx.store.run(ctx.h, 'arrive')) as [number, number, number, Buffer];
  if (tripped === 1) return index;
  const seconds = explicit !== undefined ? explicit : fallback.length === 0 ? null : Number(fallback.toString());
  let outcome: number | undefined;
  let aborted: Error | undefined;
  try {
    const attempt = async (): Promise<number | undefined> => {
      const code = (await ctx.store.run(ctx.h, 'check', [gen])) as number;
      return code === 0 ? undefined : code;
    };
    outcome = await ctx.store.notifier.waitFor(ctx.h.channel, attempt, seconds, ctx.signal, ctx.store.settings.recheckMs);
  } catch (error) {
    aborted = error as Error;
  }
  if (outcome === undefined) outcome = (await ctx.store.run(ctx.h, 'give_up', [gen])) as number;
  if (aborted !== undefined) throw aborted;
  if (outcome === 2) throw new BrokenBarrierError();
  return index;
}

export const barrierFamily: TypeFamily = {
  name: 'barrier',
  typeids: ['Barrier'],
  hooks: BARRIER_HOOKS,
  scripts: { arrive: ARRIVE, check: BARRIER_CHECK, give_up: BARRIER_GIVE_UP, abort: BARRIER_ABORT, reset: BARRIER_RESET, attrs: BARRIER_ATTRS },
  ops: {
    wait: (ctx, [timeout = null]) => barrierWait(ctx, timeout),
    abort: async (ctx) => {
      await ctx.store.run(ctx.h, 'abort');
    },
    reset: async (ctx) => {
      await ctx.store.run(ctx.h, 'reset');
    },
    __getattribute__: async (ctx, [name]) => {
      const [parties, count, broken] = (await ctx.store.run(ctx.h, 'attrs')) as number[];
      if (name === 'parties') return parties;
      if (name === 'n_waiting') return broken === 1 ? 0 : count;
      if (name === 'broken') return broken === 1;
      throw new AttributeError(`'Barrier' object has no attribute '${String(name)}'`);
    },
  },
};

export function barrierLayout(parties: unknown, timeout: unknown): { fields: Record<string, string | number> } {
  if (!Number.isInteger(parties)) throw new PyTypeError('parties must be an integer');
  if ((parties as number) < 1) throw new ValueError('parties must be > 0');
  const seconds = checkTimeout(timeout as number | null);
  return { fields: { parties: parties as number, gen: 0, count: 0, broken: 0, timeout: seconds === null ? '' : seconds } };
}
