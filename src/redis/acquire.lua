-- Takes a slot in a sliding window of calls, or says how long to wait.
-- The same rule as the in-process pacer (src/pacing.rs, LocalWindows):
-- a slot counts from the start of its call until a window after the call ended;
-- the limit in force is the configured one lowered to a limit the server
-- announced; a 429's reset blocks the key until it has passed.
--
-- KEYS[1]: the window's log, a sorted set: member -> when its call ended (ms),
--          or the end of its lease while in flight (so a dead process's slot frees).
-- KEYS[2]: what the server announced, a hash: limit, blocked_until (ms).
-- ARGV: configured limit (0: none), window (ms), in-flight lease (ms), member,
--       calls remembered while no limit is known.
-- Returns {0, 0} with the slot taken, or {1, wait in ms}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local blocked = tonumber(redis.call('HGET', KEYS[2], 'blocked_until') or '0')
if blocked > now then
  return {1, blocked - now}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local limit = tonumber(ARGV[1])
local learned = tonumber(redis.call('HGET', KEYS[2], 'limit') or '0')
if learned > 0 and (limit == 0 or learned < limit) then
  limit = learned
end
local n = redis.call('ZCARD', KEYS[1])
if limit == 0 or n < limit then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
  if limit == 0 and n >= tonumber(ARGV[5]) then
    redis.call('ZPOPMIN', KEYS[1])
  end
  redis.call('PEXPIRE', KEYS[1], window + lease)
  return {0, 0}
end
-- The first slot to free up; while every call is in flight, look again shortly.
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local ended = tonumber(first[2])
if ended <= now then
  return {1, math.max(1, ended + window - now)}
end
return {1, 5}
