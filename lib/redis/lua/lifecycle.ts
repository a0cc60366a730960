// The scripts every family has, built with its hooks: create, renew (also: take a reference) and
// release. Anonymous objects carry a TTL on all their keys, extended by each renewal to the latest
// lease: when every holder dies, Redis deletes the object by itself.

/** ARGV: H, leaseMs, anon(0|1), typeid, nFields, field, value..., dataKind(none|list|hash|string), data... */
export const CREATE = `
local lease, anon, typeid = tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4]
local existing = redis.call('HGET', M, 'type')
if existing then
  if existing ~= typeid then fail('TypeError', 'the Redis key ' .. M .. ' holds a ' .. existing .. ', not a ' .. typeid) end
  redis.call('ZADD', R, now() + lease, H)
  return 0
end
local n = tonumber(ARGV[5])
local fields = {'type', typeid}
for j = 6, 5 + 2 * n do fields[#fields + 1] = ARGV[j] end
redis.call('HSET', M, unpack(fields))
local kind = ARGV[6 + 2 * n]
local first = 7 + 2 * n
local step = kind == 'hash' and 1000 or 500
for j = first, #ARGV, step do
  local last = math.min(j + step - 1, #ARGV)
  if kind == 'list' then redis.call('RPUSH', D, unpack(ARGV, j, last)) end
  if kind == 'hash' then redis.call('HSET', D, unpack(ARGV, j, last)) end
  if kind == 'string' then redis.call('SET', D, ARGV[j]) end
end
redis.call('ZADD', R, now() + lease, H)
if anon then
  redis.call('PEXPIRE', M, lease)
  redis.call('PEXPIRE', D, lease)
  redis.call('PEXPIRE', R, lease)
end
return 1
`;

/**
 * ARGV: H, leaseMs, anon. Nil if the object is gone (then any key a late plain write recreated
 * without its meta is deleted), else the ids of the objects stored in it.
 */
export const RENEW = `
if redis.call('EXISTS', M) == 0 then
  redis.call('DEL', D, R, A, I)
  return false
end
local t = now()
redis.call('ZADD', R, t + tonumber(ARGV[2]), H)
if ARGV[3] == '1' then
  local top = redis.call('ZRANGE', R, -1, -1, 'WITHSCORES')
  local ttl = tonumber(top[2]) - t
  for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, ttl) end
  for _, h in ipairs(redis.call('ZRANGE', R, 0, -1)) do
    for _, k in ipairs(holder_keys(h)) do redis.call('PEXPIRE', k, ttl) end
  end
end
return redis.call('SMEMBERS', I)
`;

/** ARGV: H, anon. Deletes an anonymous object once no live holder is left; 1 if it did. */
export const RELEASE = `
if redis.call('ZREM', R, H) == 1 then on_release(H) end
if ARGV[2] == '1' and redis.call('ZCOUNT', R, now(), '+inf') == 0 then
  for _, h in ipairs(redis.call('ZRANGE', R, 0, -1)) do
    for _, k in ipairs(holder_keys(h)) do redis.call('DEL', k) end
  end
  redis.call('DEL', M, D, R, A, I)
  return 1
end
return 0
`;

/** ARGV: H, id...: records objects stored inside this one (renewing this one renews them). */
export const PIN = `
live()
redis.call('SADD', I, unpack(ARGV, 2))
keep(I)
return 1
`;
