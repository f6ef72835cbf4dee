"""A Redis cache that degrades to "no cache" instead of failing the request.

Django's ``RedisCache`` raises ``redis.ConnectionError``/``TimeoutError`` from every call when
Redis is down, which turns any page that touches the cache into a 500. ccops uses the cache
only for things that can be recomputed (throttle counters, memoised reads), so a dead Redis
must behave as an empty cache: reads miss, writes are dropped, ``add``/``delete``/``touch``
return ``False``. After a failure the cache is skipped for ``retry_after`` seconds (OPTIONS
key ``retry_after``, default 5), so a dead or hung Redis costs one short socket timeout per
process every few seconds, not one per call. Socket timeouts come from OPTIONS (settings keep
them at one second).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

CACHE_DOWN = (RedisConnectionError, RedisTimeoutError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("retry_after", 5))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0

    def _call(self, method, miss, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return miss
        try:
            return getattr(super(), method)(*args, **kwargs)
        except CACHE_DOWN as exc:
            self._down_until = time.monotonic() + self.retry_after
            logger.warning(
                "cache unavailable (%s: %s): treated as a miss for %g s",
                exc.__class__.__name__,
                exc,
                self.retry_after,
            )
            return miss

    def ping(self) -> bool:
        """For health checks: raises when Redis does not answer (no swallowing here)."""
        return self._cache.get_client(write=True).ping()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        # A dead cache holds no key: incr of a missing key raises ValueError, as for any miss.
        sentinel = object()
        result = self._call("incr", sentinel, key, delta, version)
        if result is sentinel:
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
