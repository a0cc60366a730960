// Lock, RLock, Semaphore, BoundedSemaphore. The holder is the RedisManager (as the connection is on
// the built-in server): an RLock counts levels per manager. Ownership is a lease: a holder whose
// lease expired, or that dropped every reference to the lock, is released by the next script that
// looks (acquire reaps). Each acquisition of a Lock/RLock increments a fencing token, which the
// holder reads with `fencingToken(proxy)`. Waiting is FIFO-less: whoever retries first after a
// release wins.
import { TypeError as PyTypeError, ValueError } from '../../errors.js';
import { checkTimeout } from '../../primitives/timeouts.js';
import { LOCK_NEGATIVE_TIMEOUT_MESSAGE, LOCK_NONBLOCKING_TIMEOUT_MESSAGE } from '../../primitives/lock.js';
import type { OpContext, TypeFamily } from './op.js';

const LOCK_HOOKS = `
local function on_dead(h)
  if redis.call('HGET', M, 'owner') == h then redis.call('HDEL', M, 'owner', 'level') notify('free') end
end
-- A holder that drops its last reference to a lock it holds gives it up.
local function on_release(h) on_dead(h) end
`;
// ARGV: H, level to take (1, or what Condition.wait saved). Returns the fencing token, or 0 if busy.
const ACQUIRE = `
live()
reap()
local o = redis.call('HGET', M, 'owner')
if not o then
  local fence = redis.call('HINCRBY', M, 'fence', 1)
  redis.call('HSET', M, 'owner', H, 'level', ARGV[2])
  return fence
end
if o == H and redis.call('HGET', M, 'type') == 'RLock' and ARGV[2] == '1' then
  redis.call('HINCRBY', M, 'level', 1)
  return tonumber(redis.call('HGET', M, 'fence'))
end
return 0
`;
const RELEASE_LOCK = `
local o = redis.call('HGET', M, 'owner')
if redis.call('HGET', M, 'type') == 'RLock' then
  if o ~= H then fail('RuntimeError', 'cannot release un-acquired lock') end
  if redis.call('HINCRBY', M, 'level', -1) > 0 then return 1 end
elseif not o then
  fail('RuntimeError', 'release unlocked lock')
end
redis.call('HDEL', M, 'owner', 'level')
notify('free')
return 1
`;
// For Condition.wait: releases entirely, returning the level to restore. ARGV[2]: the error message.
const RELEASE_SAVE = `
if redis.call('HGET', M, 'owner') ~= H then fail('RuntimeError', ARGV[2]) end
local level = tonumber(redis.call('HGET', M, 'level'))
redis.call('HDEL', M, 'owner', 'level')
notify('free')
return level
`;
const OWNED = `
if redis.call('HGET', M, 'owner') == H then return tonumber(redis.call('HGET', M, 'fence')) end
return 0
`;

const SEM_HOOKS = `
local function on_dead(h)
  local u = tonumber(redis.call('HGET', A, h) or '0')
  if u > 0 then
    redis.call('HDEL', A, h)
    redis.call('HINCRBY', M, 'value', u)
    notify('free')
  end
end
local function on_release(h) end
`;
const SEM_ACQUIRE = `
live()
reap()
if tonumber(redis.call('HGET', M, 'value')) <= 0 then return 0 end
redis.call('HINCRBY', M, 'value', -1)
redis.call('HINCRBY', A, H, 1)
keep(A)
return 1
`;
const SEM_RELEASE = `
local n = tonumber(ARGV[2])
local value = tonumber(redis.call('HGET', M, 'value'))
if redis.call('HGET', M, 'bounded') == '1' and value + n > tonumber(redis.call('HGET', M, 'init')) then
  fail('ValueError', 'Semaphore released too many times')
end
redis.call('HINCRBY', M, 'value', n)
local held = tonumber(redis.call('HGET', A, H) or '0')
if held > n then redis.call('HINCRBY', A, H, -n) elseif held > 0 then redis.call('HDEL', A, H) end
notify('free')
return 1
`;

/** Acquires, waiting for `free` messages; `level` > 1 only for Condition.wait's restore. */
export async function acquireLock(ctx: OpContext, seconds: number | null, level = 1, signal = ctx.signal): Promise<boolean> {
  const attempt = async (): Promise<true | undefined> => ((await ctx.store.run(ctx.h, 'acquire', [level])) > 0 ? true : undefined);
  return (await ctx.store.notifier.waitFor(ctx.h.channel, attempt, seconds, signal, ctx.store.settings.recheckMs)) === true;
}

function lockTimeout(blocking: unknown, timeout: unknown): number | null {
  if (!blocking && timeout !== null && timeout !== undefined) throw new ValueError(LOCK_NONBLOCKING_TIMEOUT_MESSAGE);
  return blocking ? checkTimeout(timeout as number | null, LOCK_NEGATIVE_TIMEOUT_MESSAGE) : 0;
}

export const lockFamily: TypeFamily = {
  name: 'lock',
  typeids: ['Lock', 'RLock'],
  hooks: LOCK_HOOKS,
  scripts: { acquire: ACQUIRE, unlock: RELEASE_LOCK, release_save: RELEASE_SAVE, owned: OWNED },
  ops: {
    acquire: (ctx, [blocking = true, timeout = null]) => acquireLock(ctx, lockTimeout(blocking, timeout)),
    release: async (ctx) => {
      await ctx.store.run(ctx.h, 'unlock');
    },
    fencing_token: async (ctx) => {
      const fence = (await ctx.store.run(ctx.h, 'owned')) as number;
      return fence > 0 ? fence : null;
    },
  },
};

export const semaphoreFamily: TypeFamily = {
  name: 'sem',
  typeids: ['Semaphore', 'BoundedSemaphore'],
  hooks: SEM_HOOKS,
  scripts: { acquire: SEM_ACQUIRE, unlock: SEM_RELEASE },
  ops: {
    acquire: async (ctx, [blocking = true, timeout = null]) => {
      if (!blocking && timeout !== null && timeout !== undefined) throw new ValueError("can't specify timeout for non-blocking acquire");
      const seconds = blocking ? checkTimeout(timeout as number | null) : 0;
      const attempt = async (): Promise<true | undefined> => ((await ctx.store.run(ctx.h, 'acquire')) === 1 ? true : undefined);
      return (await ctx.store.notifier.waitFor(ctx.h.channel, attempt, seconds, ctx.signal, ctx.store.settings.recheckMs)) === true;
    },
    release: async (ctx, [n = 1]) => {
      if (!Number.isInteger(n)) throw new PyTypeError('n must be an integer');
      if ((n as number) < 1) throw new ValueError('n must be one or more');
      await ctx.store.run(ctx.h, 'unlock', [n as number]);
    },
  },
};

export function semaphoreLayout(typeid: string, value: unknown = 1): { fields: Record<string, number> } {
  if (!Number.isInteger(value)) throw new PyTypeError('semaphore initial value must be an integer');
  if ((value as number) < 0) throw new ValueError('semaphore initial value must be >= 0');
  return { fields: { value: value as number, init: value as number, bounded: typeid === 'BoundedSemaphore' ? 1 : 0 } };
}
