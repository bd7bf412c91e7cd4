"""Django's Redis cache for a portal that must keep working when Redis does not.

Nothing the portal keeps in the cache is the only copy: the public pages and API lists are
rendered again from the database, sessions are read from the database (`cached_db`), the
throttles start counting afresh. So when Redis cannot be reached (refused, hanging, restarting)
this backend answers as an empty cache that keeps nothing, instead of raising:

- `get` → the default, `get_many` → {}, `has_key`/`touch`/`delete` → False;
- `set`, `set_many`, `delete_many`, `clear` → nothing happens (`set_many` names every key as
  not stored, as Django's contract says);
- `add` → False, "not added". The portal uses `add` as a lease or a lock (a preview render, a
  paper's render lease) and as "create if missing" (the public version tokens, the reset-mail
  counter). False means nobody is told they hold a lease nobody recorded, so no work is done
  twice at once: the leased work waits until Redis is back (reports/previews.py keeps saying
  "renderes…"). The other callers do not depend on the answer (reports/cache.py makes its own
  token when it can read none);
- `incr`/`decr` → ValueError, as for a key that is missing: the reset-mail throttle then
  counts the request as the window's first and lets it through (kkrmaal/accounts.py: it fails
  open, on purpose); DRF's API throttles read an empty history and let every request through.

Every request would otherwise wait for Redis to fail again, so after a failure the backend
does not try Redis at all for RETRY_SECONDS (a circuit breaker, per process and cache); then
the next operation tries once while the others keep answering as empty. Short socket timeouts
(CONNECT_TIMEOUT, SOCKET_TIMEOUT, unless OPTIONS say otherwise) bound what that one try costs
when Redis hangs rather than refuses.

The outage is logged once when it starts, then at most once a LOG_SECONDS (how many attempts
failed meanwhile), and once when Redis answers again.

What was written meanwhile is lost, and what Redis still holds from before may now be out of
date: a publication made during the outage could not replace the public version token, a
logout could not delete the cached session. So when Redis is reached again after an outage in
which this process dropped a write, the first thing it does is forget every key of this
cache's KEY_PREFIX (SCAN + UNLINK, never FLUSHDB: others may share the database), and only
then serves from Redis again. A process that comes back later forgets what the others wrote
since (a page rendered once more, never a stale one). An app server that lost no write forgets
nothing; until the one that did reaches Redis again (at most RETRY_SECONDS after Redis is back
and it is asked for something) it may serve a page from before the outage.

Settings: `CACHES["default"]["BACKEND"] = "kkrmaal.cache_backend.ResilientRedisCache"`
(kkrmaal/settings.py does so when CACHE_URL or REDIS_URL is set).
"""

import logging
import re
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

# Refused, reset, hanging, loading its data after a restart (BusyLoadingError is a
# ConnectionError), or a wrong password (AuthenticationError, too): Redis is not usable.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

RETRY_SECONDS = 5.0  # after a failure, no operation tries Redis for this long
LOG_SECONDS = 60.0  # while it is down, one log line at most this often
# Redis answers in well under a millisecond on the same network; a page is some 40 kB.
CONNECT_TIMEOUT = 0.25
SOCKET_TIMEOUT = 0.25


class _Breaker:
    """The state of one cache (its servers and key prefix) in this process, shared by the
    threads' backend instances (Django makes one per thread)."""

    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.retry_at = None  # monotonic time of the next try; None while Redis answers
        self.down_since = None
        self.logged_at = None
        self.failures = 0  # failed tries since the last log line
        self.lost_writes = False  # a write was dropped: forget the prefix before serving again

    def allows(self):
        """Whether this operation may try Redis (always while it answers; one at a time,
        once a RETRY_SECONDS, while it does not)."""
        if self.retry_at is None:
            return True
        with self.lock:
            now = time.monotonic()
            if self.retry_at is None:
                return True
            if now < self.retry_at:
                return False
            # This caller tries; the others go on answering as empty until it knows.
            self.retry_at = now + RETRY_SECONDS
            return True

    def failed(self, error):
        with self.lock:
            now = time.monotonic()
            self.retry_at = now + RETRY_SECONDS
            self.failures += 1
            if self.down_since is None:
                self.down_since = now
                self.logged_at = now
                self.failures = 0
                log.warning(
                    "Cache %s unreachable (%s: %s): serving without it, trying again every %g s",
                    self.name,
                    error.__class__.__name__,
                    error,
                    RETRY_SECONDS,
                )
            elif now - self.logged_at >= LOG_SECONDS:
                log.warning(
                    "Cache %s still unreachable after %d s (%d failed tries since the last "
                    "line; last: %s: %s)",
                    self.name,
                    now - self.down_since,
                    self.failures,
                    error.__class__.__name__,
                    error,
                )
                self.logged_at = now
                self.failures = 0

    def recovered(self, forgotten):
        with self.lock:
            if self.down_since is None:
                return
            seconds = time.monotonic() - self.down_since
            self.retry_at = self.down_since = self.logged_at = None
            self.failures = 0
            self.lost_writes = False
        if forgotten is None:
            log.warning("Cache %s reachable again after %d s", self.name, seconds)
        else:
            log.warning(
                "Cache %s reachable again after %d s; %d keys forgotten, since writes were "
                "lost meanwhile",
                self.name,
                seconds,
                forgotten,
            )


_breakers = {}
_breakers_lock = threading.Lock()


def _breaker(servers, key_prefix):
    ident = (tuple(servers), key_prefix)
    with _breakers_lock:
        if ident not in _breakers:
            # The address without a password, for the log.
            where = ",".join(urlsplit(server).netloc.rpartition("@")[2] for server in servers)
            path = urlsplit(servers[0]).path if servers else ""
            _breakers[ident] = _Breaker(f"redis://{where}{path}")
        return _breakers[ident]


_MISSING = object()


class ResilientRedisCache(RedisCache):
    """RedisCache that answers as an empty cache while Redis cannot be reached (module
    docstring)."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._breaker = _breaker(self._servers, self.key_prefix)

    def _try(self, write, unavailable, operation, *args):
        """operation(*args), or `unavailable` when Redis cannot be reached now."""
        breaker = self._breaker
        if not breaker.allows():
            if write:
                breaker.lost_writes = True
            return unavailable
        recovering = breaker.down_since is not None
        try:
            forgotten = self._forget_all() if recovering and breaker.lost_writes else None
            result = operation(*args)
        except UNREACHABLE as error:
            if write:
                breaker.lost_writes = True
            breaker.failed(error)
            return unavailable
        if recovering:
            breaker.recovered(forgotten)
        return result

    def _forget_all(self):
        """Delete every key of this cache's prefix; how many."""
        client = self._cache.get_client(None, write=True)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        forgotten = 0
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                forgotten += client.unlink(*batch)
                batch = []
        if batch:
            forgotten += client.unlink(*batch)
        return forgotten

    # Reads: a miss.

    def get(self, key, default=None, version=None):
        return self._try(False, default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._try(False, {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._try(False, False, super().has_key, key, version)

    # Writes: nothing kept.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(True, False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._try(True, None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(True, list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(True, False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._try(True, False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._try(True, None, super().delete_many, keys, version)

    def clear(self):
        return self._try(True, False, super().clear)

    def incr(self, key, delta=1, version=None):
        result = self._try(True, _MISSING, super().incr, key, delta, version)
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found (the cache cannot be reached).")
        return result
