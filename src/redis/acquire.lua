-- Takes a slot in a sliding window of calls, or says how long to wait.
-- The same rule as the in-process pacer (src/pacing.rs, LocalWindows):
-- a slot counts from the start of its call until a window after the call ended;
-- a key may have several windows (a minute, and a second where the endpoint
-- has a per-second limit), one log serving them all, and a call needs room in
-- every one; the limit in force in the window a server's announcement
-- applies to (see `learned_window`) is the configured one lowered to a limit
-- the server announced; a 429's reset blocks the key until it has passed.
--
-- KEYS[1]: the key's log, a sorted set: member -> when its call ended (ms),
--          or the end of its lease while in flight (so a dead process's slot frees).
-- KEYS[2]: what the server announced, a hash: limit, blocked_until (ms).
-- ARGV: in-flight lease (ms), member, calls remembered while no limit is known,
--       the number (from 1) of the window an announced limit applies to,
--       then per window, longest first: its configured limit (0: none), its length (ms).
-- Returns {0, 0} with the slot taken, {1, wait in ms} while the windows are
-- full, or {2, wait in ms} while a 429's reset holds the key.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[2], 'blocked_until') or '0')
if blocked > now then
  return {2, blocked - now}
end
local learned = tonumber(redis.call('HGET', KEYS[2], 'limit') or '0')
local longest = 0
local windows = {}
local learns = tonumber(ARGV[4])
for i = 5, #ARGV, 2 do
  local limit = tonumber(ARGV[i])
  local window = tonumber(ARGV[i + 1])
  if (i - 3) / 2 == learns and learned > 0 and (limit == 0 or learned < limit) then
    limit = learned
  end
  windows[#windows + 1] = {limit, window}
  if window > longest then
    longest = window
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = 0
local limited = false
for _, w in ipairs(windows) do
  local limit, window = w[1], w[2]
  if limit > 0 then
    limited = true
    -- Calls in this window: ended within it, or still in flight (a future score).
    local n = redis.call('ZCOUNT', KEYS[1], string.format('(%d', now - window), '+inf')
    if n >= limit then
      -- The first ended call to leave it; while every call is in flight, look again shortly.
      local first = redis.call('ZRANGEBYSCORE', KEYS[1], string.format('(%d', now - window), now, 'WITHSCORES', 'LIMIT', 0, 1)
      local this = 5
      if first[2] then
        this = math.max(1, tonumber(first[2]) + window - now)
      end
      if this > wait then
        wait = this
      end
    end
  end
end
if wait > 0 then
  return {1, wait}
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
if not limited and redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[3]) then
  redis.call('ZPOPMIN', KEYS[1])
end
redis.call('PEXPIRE', KEYS[1], longest + lease)
return {0, 0}
