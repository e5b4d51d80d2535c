"""Breakers and rate limits shared by a fleet of processes, through Redis.

Each operation is one Lua script, so it is atomic for every process and machine
using the same Redis: the whole fleet sees one breaker per model (so a model
that is down is probed once per cooldown by all of them together) and one
window of requests and tokens per model. Times are Redis's own clock (``TIME``)
unless a clock is given, so machines need not agree on the time.

Needs the ``redis`` package (``pip install 'argo-mcp-client[redis]'``).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from argo_mcp_client._models.aliases import canonical_model
from argo_mcp_client._models.shared_state import Admission, RateLimit
from argo_mcp_client.errors import ConfigError, SharedStateError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import redis.asyncio

    from argo_mcp_client._models.breaker import BreakerSettings

__all__ = ["RedisState"]

_NOW = """
local function now_of(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""

_ACQUIRE = (
    _NOW
    + """
local now = now_of(ARGV[1])
local cooldown = tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0') - now
if paused < 0 then paused = 0 end
local opened = redis.call('HGET', KEYS[1], 'opened_at')
if not opened then return {1, '0', tostring(paused)} end
local since = now - tonumber(opened)
if since < cooldown then return {0, tostring(cooldown - since), '0'} end
local probe = redis.call('HGET', KEYS[1], 'probe_until')
if probe and tonumber(probe) > now then return {0, '0', '0'} end
redis.call('HSET', KEYS[1], 'probe_until', tostring(now + tonumber(ARGV[3])))
return {2, '0', tostring(paused)}
"""
)

_FAILURE = (
    _NOW
    + """
local now = now_of(ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if ARGV[3] == '1' or failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'opened_at', tostring(now))
  redis.call('HDEL', KEYS[1], 'probe_until')
  return 1
end
return 0
"""
)

_RESERVE = (
    _NOW
    + """
local now = now_of(ARGV[1])
local per = tonumber(ARGV[2])
local max_requests = tonumber(ARGV[3])
local max_tokens = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local start = now
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > start then start = paused end
if max_requests < 0 and max_tokens < 0 then return tostring(start - now) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
local raw = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local starts, costs = {}, {}
for i = 1, #raw, 2 do
  starts[#starts + 1] = tonumber(raw[i + 1])
  costs[#costs + 1] = tonumber(string.match(raw[i], ':(%d+)$'))
end
local n = #starts
if n > 0 and starts[n] > start then start = starts[n] end
if max_tokens >= 0 and cost > max_tokens then cost = max_tokens end
local first = 1
while true do
  while first <= n and starts[first] <= start - per do first = first + 1 end
  local sum = 0
  for i = first, n do sum = sum + costs[i] end
  local many = max_requests >= 0 and (n - first + 1) + 1 > max_requests
  local heavy = max_tokens >= 0 and sum + cost > max_tokens
  if not many and not heavy then break end
  start = starts[first] + per
end
redis.call('ZADD', KEYS[1], start, ARGV[6] .. ':' .. cost)
redis.call('PEXPIRE', KEYS[1], math.ceil((start - now + per) * 1000) + 1000)
return tostring(start - now)
"""
)

_CHARGE = (
    _NOW
    + """
local now = now_of(ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local start = now
if #last > 0 and tonumber(last[2]) > start then start = tonumber(last[2]) end
redis.call('ZADD', KEYS[1], start, ARGV[3] .. ':' .. ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil((start - now + tonumber(ARGV[2])) * 1000) + 1000)
return 1
"""
)

_SLOW_DOWN = (
    _NOW
    + """
local now = now_of(ARGV[1])
local until_ = now + tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused < until_ then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
end
return 1
"""
)


class RedisState:
    """Breakers and rate limits kept in Redis, shared by every process that uses the same one.

    Example:
        ```python
        state = RedisState.from_url("redis://login-node:6379/0")
        async with ArgoMCPClient(shared_state=state, ...) as client:
            ...
        await state.aclose()
        ```

    Passing ``shared_state="redis://..."`` to :class:`ArgoMCPClient` does the same,
    and the client closes the connection on exit.

    Args:
        client: a ``redis.asyncio.Redis`` client (not closed by :meth:`aclose` unless
            made by :meth:`from_url`).
        namespace: prefix of every key, to keep fleets (or tests) apart.
        clock: seconds for "now"; default: Redis's own clock, so machines need not agree.
    """

    def __init__(
        self,
        client: redis.asyncio.Redis,
        *,
        namespace: str = "argo-mcp",
        clock: Callable[[], float] | None = None,
        owns_client: bool = False,
    ) -> None:
        self._redis = client
        self._prefix = f"{namespace}:"
        self._clock = clock
        self._owns = owns_client
        self._acquire = client.register_script(_ACQUIRE)
        self._failure = client.register_script(_FAILURE)
        self._reserve = client.register_script(_RESERVE)
        self._charge = client.register_script(_CHARGE)
        self._slow_down = client.register_script(_SLOW_DOWN)

    @classmethod
    def from_url(
        cls, url: str, *, namespace: str = "argo-mcp", clock: Callable[[], float] | None = None
    ) -> RedisState:
        """A state on the Redis at ``url`` (``redis://host:port/db``), closed by :meth:`aclose`."""
        try:
            import redis.asyncio as aioredis
        except ImportError as exc:
            raise ConfigError(
                "shared state in Redis needs the redis package: pip install 'argo-mcp-client[redis]'"
            ) from exc
        return cls(aioredis.Redis.from_url(url), namespace=namespace, clock=clock, owns_client=True)

    def _now(self) -> str:
        return "" if self._clock is None else repr(self._clock())

    def _key(self, kind: str, model: str) -> str:
        return f"{self._prefix}{kind}:{canonical_model(model)}"

    async def breaker_acquire(self, model: str, settings: BreakerSettings) -> Admission:
        args = [self._now(), repr(settings.cooldown), repr(settings.probe_lease)]
        keys = [self._key("breaker", model), self._key("pause", model)]
        code, retry_in, paused = await self._run(self._acquire, keys, args)
        code = int(code)
        return Admission(admitted=code > 0, probe=code == 2, retry_in=float(retry_in), paused=float(paused))

    async def breaker_failure(self, model: str, settings: BreakerSettings, *, probe: bool) -> bool:
        args = [self._now(), str(settings.failure_threshold), "1" if probe else "0"]
        return bool(int(await self._run(self._failure, [self._key("breaker", model)], args)))

    async def breaker_success(self, model: str) -> None:
        await self._call(self._redis.delete(self._key("breaker", model)))

    async def breaker_release(self, model: str, *, probe: bool) -> None:
        if probe:
            await self._call(self._redis.hdel(self._key("breaker", model), "probe_until"))

    async def reserve(self, model: str, limit: RateLimit, cost: int) -> float:
        keys = [self._key("window", model), self._key("pause", model)]
        args = [
            self._now(),
            repr(limit.per),
            str(-1 if limit.requests is None else limit.requests),
            str(-1 if limit.tokens is None else limit.tokens),
            str(max(0, cost)),
            uuid.uuid4().hex,
        ]
        return max(0.0, float(await self._run(self._reserve, keys, args)))

    async def charge(self, model: str, limit: RateLimit, tokens: int) -> None:
        if limit.tokens is not None and tokens > 0:
            args = [self._now(), repr(limit.per), uuid.uuid4().hex, str(tokens)]
            await self._run(self._charge, [self._key("window", model)], args)

    async def slow_down(self, model: str, seconds: float) -> None:
        await self._run(self._slow_down, [self._key("pause", model)], [self._now(), repr(seconds)])

    async def aclose(self) -> None:
        if self._owns:
            await self._redis.aclose()

    async def _run(self, script: Any, keys: list[str], args: list[str]) -> Any:
        return await self._call(script(keys=keys, args=args))

    async def _call(self, operation: Awaitable[Any]) -> Any:
        """Await a Redis operation; Redis's errors become :class:`SharedStateError`."""
        import redis.exceptions

        try:
            return await operation
        except redis.exceptions.RedisError as exc:
            raise SharedStateError(f"the shared state in Redis failed: {exc}") from exc
