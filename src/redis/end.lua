-- A call has ended: its slot starts its window now, and what the server
-- announced is learned (see acquire.lua).
--
-- KEYS[1]: the window's log; KEYS[2]: what the server announced.
-- ARGV: member, window (ms), in-flight lease (ms), announced limit (0: none),
--       a 429's reset (ms; 0: none).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]))
local limit = tonumber(ARGV[4])
if limit > 0 then
  redis.call('HSET', KEYS[2], 'limit', ARGV[4])
end
local reset = tonumber(ARGV[5])
if reset > 0 then
  local blocked = now + reset
  if blocked > tonumber(redis.call('HGET', KEYS[2], 'blocked_until') or '0') then
    redis.call('HSET', KEYS[2], 'blocked_until', string.format('%d', blocked))
  end
end
if limit > 0 or reset > 0 then
  redis.call('PEXPIRE', KEYS[2], 86400000)
end
return 1
