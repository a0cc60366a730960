// The Lua every script of this backend starts with. KEYS are an object's five keys (keys.ts):
// M meta hash, D data, R refs (holder → lease expiry, a sorted set), A auxiliary, I inner objects;
// ARGV[1] is the calling holder (a RedisManager's id). A family (dict, queue, lock...) may replace
// the hooks: on_dead(h) runs for a holder whose lease expired, on_release(h) for one that released
// its last reference gracefully, holder_keys(h) names keys of one holder beyond the five (a queue's
// in-flight list), which renew and release then touch: no other script touches undeclared keys.
const BASE = `
local M, D, R, A, I = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local H = ARGV[1]
local P = string.sub(M, 1, -2)
local EV = P .. 'ev'
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fail(kind, msg) error({err = 'MPERR ' .. kind .. ' ' .. msg}) end
local function live()
  if redis.call('EXISTS', M) == 0 then fail('Gone', 'the shared object no longer exists (released, or its lease expired)') end
end
local function keep(key)
  local t = redis.call('PTTL', M)
  if t > 0 then redis.call('PEXPIRE', key, t) end
end
local function notify(what) redis.call('PUBLISH', EV, what) end
`;

const DEFAULT_HOOKS = `
local function on_dead(h) end
local function on_release(h) end
local function holder_keys(h) return {} end
`;

const REAP = `
local function reap()
  local t = now()
  local dead = redis.call('ZRANGEBYSCORE', R, '-inf', '(' .. t)
  if #dead == 0 then return end
  for _, h in ipairs(dead) do on_dead(h) end
  redis.call('ZREMRANGEBYSCORE', R, '-inf', '(' .. t)
end
local function holder_alive(h)
  local s = redis.call('ZSCORE', R, h)
  return s ~= false and s ~= nil and tonumber(s) >= now()
end
`;

/** A complete script: the prelude, the default hooks, the family's (a later local function shadows a default), then `body`. */
export function script(body: string, hooks = ''): string {
  return `${BASE}${DEFAULT_HOOKS}${hooks}${REAP}${body}`;
}
