"""The Lua scripts that must run atomically on the server.

Each does what would otherwise be a read, a decision and a write from the
client, where two workers (or a sender and the relay) could interleave.
Settling checks that the entry is still pending for the consumer settling
it: a worker whose lease timed out and was claimed by another does not
disturb that other worker's lease.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any


class Script:
    """A Lua script, called by its SHA1 (``EVALSHA``) once loaded."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def __call__(
        self, pipe: Any, keys: Sequence[str], args: Sequence[str | int | bytes] = ()
    ) -> None:
        """Queue a call of this script on ``pipe`` (a pipeline)."""
        pipe.evalsha(self.sha, len(keys), *keys, *args)


async def load_scripts(redis: Any) -> None:
    """Load every script of this module into the server (``SCRIPT LOAD``)."""
    pipe = redis.pipeline(transaction=False)
    for script in ALL:
        pipe.script_load(script.source)
    await pipe.execute()


_OWNS = """
local function owns(stream, group, id, consumer)
  local pending = redis.call('XPENDING', stream, group, id, id, 1)
  return #pending > 0 and pending[1][2] == consumer
end
"""

# Add events, each once: an event whose marker exists was published before.
# A stream that does not exist (a server restarted without its data) gets the
# groups of its receivers first, so that none misses the entry.
# Workers waiting for events are woken (on the wake channel) when any was
# added: in the script, so no wake-up comes before the entries it announces.
# KEYS: per event its marker, then its k streams. ARGV: marker ttl (ms), the
# wake channel, then per event: k, the entry's value, then per stream: g and
# its g group names. Returns how many events were added.
PUBLISH = Script("""
local ttl, wake = ARGV[1], ARGV[2]
local key, arg, added = 1, 3, 0
while arg <= #ARGV do
  local count, value = tonumber(ARGV[arg]), ARGV[arg + 1]
  arg = arg + 2
  local fresh = redis.call('SET', KEYS[key], '1', 'NX', 'PX', ttl)
  for i = 1, count do
    local stream, groups = KEYS[key + i], tonumber(ARGV[arg])
    if fresh then
      if redis.call('EXISTS', stream) == 0 then
        for g = 1, groups do
          redis.call('XGROUP', 'CREATE', stream, ARGV[arg + g], '0', 'MKSTREAM')
        end
      end
      redis.call('XADD', stream, '*', 'e', value)
    end
    arg = arg + 1 + groups
  end
  if fresh then added = added + 1 end
  key = key + 1 + count
end
if added > 0 then redis.call('PUBLISH', wake, '') end
return added
""")

# Read new entries for several receivers' groups, each from its signal's
# stream and its retry stream, after moving its due retries to the latter. A
# missing group is created (reading from the start) and read at once. The
# reply is one JSON array, three values an entry: the client parses it in one
# call (redis-py's own parser would read five replies an entry).
# KEYS: per reader: signal stream, retry stream, delayed set.
# ARGV: consumer, most per stream, now (ms; 0: leave retries), per reader: group.
# Returns, as JSON, per entry: reader index * 2 + (0 signal stream | 1 retry
# stream), entry id, 'e' field; '' when there is none.
READ = Script("""
local consumer, count, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for r = 1, #ARGV - 3 do
  local group = ARGV[3 + r]
  local signal, retry, delayed = KEYS[3 * r - 2], KEYS[3 * r - 1], KEYS[3 * r]
  if now > 0 then
    local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, count)
    for _, member in ipairs(due) do
      redis.call('XADD', retry, '*', 'e', member)
      redis.call('ZREM', delayed, member)
    end
  end
  local read = {'XREADGROUP', 'GROUP', group, consumer, 'COUNT', count,
                'STREAMS', signal, retry, '>', '>'}
  local ok, reply = pcall(redis.call, unpack(read))
  if not ok then
    pcall(redis.call, 'XGROUP', 'CREATE', signal, group, '0', 'MKSTREAM')
    pcall(redis.call, 'XGROUP', 'CREATE', retry, group, '0', 'MKSTREAM')
    reply = redis.call(unpack(read))
  end
  if reply then
    for _, stream in ipairs(reply) do
      local code = (r - 1) * 2 + (stream[1] == retry and 1 or 0)
      for _, entry in ipairs(stream[2]) do
        local fields, value = entry[2], ''
        for j = 1, #fields, 2 do
          if fields[j] == 'e' then value = fields[j + 1] end
        end
        out[#out + 1] = code
        out[#out + 1] = entry[1]
        out[#out + 1] = value
      end
    end
  end
end
if #out == 0 then return '' end
return cjson.encode(out)
""")

# Take at most one entry from each shard of an ordered receiver, so that one
# key's events run one after the other. A shard is read only by the consumer
# holding its lock; an entry left pending (a retry waiting, a dead consumer's
# delivery) comes before newer ones. KEYS: n shard streams, n locks, n holds.
# ARGV: group, consumer, visibility (ms), most to take, then n flags: '1' =
# this process has that shard's entry in hand already.
# Returns a flat list: shard index, entry id, 'e' field, times delivered, ...
CLAIM_ORDERED = Script("""
local n = #KEYS / 3
local group, consumer = ARGV[1], ARGV[2]
local visibility, most = tonumber(ARGV[3]), tonumber(ARGV[4])
local out, taken = {}, 0
for i = 1, n do
  if taken >= most then break end
  local stream, lock, hold = KEYS[i], KEYS[n + i], KEYS[2 * n + i]
  local holder = redis.call('GET', lock)
  if ARGV[4 + i] == '0' and (not holder or holder == consumer)
      and redis.call('EXISTS', stream) == 1 and redis.call('EXISTS', hold) == 0 then
    local ok, pending = pcall(redis.call, 'XPENDING', stream, group, '-', '+', 1)
    if not ok then
      redis.call('XGROUP', 'CREATE', stream, group, '0')
      pending = {}
    end
    local entry, count = nil, 1
    if #pending > 0 then
      local first = pending[1]
      if first[2] == consumer or first[2] == '(waiting)' or first[3] >= visibility then
        local claimed = redis.call('XCLAIM', stream, group, consumer, 0, first[1])
        if #claimed > 0 and claimed[1] then
          entry, count = claimed[1], first[4] + 1
        end
      end
    else
      local read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1,
                              'STREAMS', stream, '>')
      if read and #read[1][2] > 0 then entry = read[1][2][1] end
    end
    if entry then
      redis.call('SET', lock, consumer, 'PX', visibility)
      local fields, value = entry[2], ''
      for j = 1, #fields, 2 do
        if fields[j] == 'e' then value = fields[j + 1] end
      end
      out[#out + 1] = i - 1
      out[#out + 1] = entry[1]
      out[#out + 1] = value
      out[#out + 1] = count
      taken = taken + 1
    elseif #pending == 0 and holder == consumer then
      redis.call('DEL', lock)
    end
  end
end
return out
""")

# Let go of an ordered shard's lock if this consumer holds it.
# KEYS: lock. ARGV: consumer.
RELEASE = Script("""
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
""")

# Retry an entry later through the receiver's sorted set.
# KEYS: stream, delayed set. ARGV: group, consumer, id, due (ms), member.
RETRY_LATER = Script(
    _OWNS
    + """
if not owns(KEYS[1], ARGV[1], ARGV[3], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
"""
)

# Retry an ordered entry later: it stays pending (handed to no consumer, so
# any may take it once due) and its shard is held back until then.
# KEYS: stream, hold, lock. ARGV: group, consumer, id, delay (ms).
RETRY_HELD = Script(
    _OWNS
    + """
if not owns(KEYS[1], ARGV[1], ARGV[3], ARGV[2]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], '(waiting)', 0, ARGV[3], 'JUSTID')
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return 1
"""
)

# Dead-letter an entry. KEYS: stream, dead stream. ARGV: group, consumer, id, value.
BURY = Script(
    _OWNS
    + """
if not owns(KEYS[1], ARGV[1], ARGV[3], ARGV[2]) then return 0 end
redis.call('XADD', KEYS[2], '*', 'e', ARGV[4])
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
"""
)

# Restart an entry's visibility timeout. KEYS: stream. ARGV: group, consumer, id.
EXTEND = Script(
    _OWNS
    + """
if not owns(KEYS[1], ARGV[1], ARGV[3], ARGV[2]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
"""
)

ALL = (PUBLISH, READ, CLAIM_ORDERED, RELEASE, RETRY_LATER, RETRY_HELD, BURY, EXTEND)
