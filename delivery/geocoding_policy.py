"""How hard the geocoder may be asked: one request per GEOCODER_MIN_INTERVAL_SECONDS across every
process (a slot booked in Redis), and a circuit that stops asking for a while once it did not
answer (unreachable, timed out, rate limited), so that an offline machine fails fast instead of
making every form and task wait for a timeout.

Both keys are deliberately platform-wide, not per business: the public services' usage policies
(Nominatim, Photon) limit this deployment as one client, whichever business asks.
"""

import logging
import threading
import time

import redis
from django.conf import settings

from tenants.redis import redis_client, redis_key

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600

# Book the next free slot: at max(now, next free), then the one after is `interval` later.
# Refuse (book nothing) when the slot is further away than the caller may wait.
_BOOK_SLOT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local longest = tonumber(ARGV[3])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, free)
if at - now > longest then
  return {0, at - now}
end
redis.call('SET', KEYS[1], at + interval, 'PX', at + interval - now + 1000)
return {1, at - now}
"""

_local_lock = threading.Lock()
_local_free_at = 0.0


class GeocoderBusy(Exception):
    """The next request slot is further away than the caller may wait."""

    def __init__(self, wait_seconds: float) -> None:
        super().__init__(f"the geocoder's next free slot is in {wait_seconds:.1f} s")
        self.wait_seconds = wait_seconds


def _book_locally(interval: float, longest: float) -> float:
    """Without Redis: the same rule within this process (the policy still holds per process)."""
    global _local_free_at
    with _local_lock:
        now = time.monotonic()
        at = max(now, _local_free_at)
        if at - now > longest:
            raise GeocoderBusy(at - now)
        _local_free_at = at + interval
        return at - now


def request_slot_wait(*, longest_wait: float) -> None:
    """Wait for this process's turn to send one request to the geocoder; GeocoderBusy when that
    would take longer than `longest_wait` seconds (nothing is booked then)."""
    interval = float(settings.GEOCODER_MIN_INTERVAL_SECONDS)
    if interval <= 0:
        return
    try:
        booked, wait_ms = redis_client().eval(
            _BOOK_SLOT,
            1,
            redis_key("geocoder", "next-slot"),
            int(time.time() * 1000),
            int(interval * 1000),
            int(longest_wait * 1000),
        )
        wait = int(wait_ms) / 1000
        if not booked:
            raise GeocoderBusy(wait)
    except redis.RedisError:
        logger.warning("geocoder rate limiter unavailable; limiting this process only")
        wait = _book_locally(interval, longest_wait)
    if wait > 0:
        time.sleep(wait)


def _down_key() -> str:
    return redis_key("geocoder", "down")


def _failures_key() -> str:
    return redis_key("geocoder", "failures")


def circuit_open_seconds() -> int:
    """How long the geocoder is still left alone after failing to answer (0: ask it)."""
    try:
        remaining = redis_client().ttl(_down_key())
    except redis.RedisError:
        return 0
    return max(0, int(remaining))


def circuit_trip(*, at_least: int | None = None) -> int:
    """The geocoder did not answer: leave it alone for a while, twice as long after each failure
    in a row (GEOCODER_BACKOFF_SECONDS, then ×2 … up to 10 minutes), or as long as it asked."""
    base = max(1, int(settings.GEOCODER_BACKOFF_SECONDS))
    try:
        client = redis_client()
        failures = int(client.incr(_failures_key()))
        client.expire(_failures_key(), MAX_BACKOFF_SECONDS * 2)
        seconds = min(MAX_BACKOFF_SECONDS, base * 2 ** min(failures - 1, 10))
        seconds = max(seconds, at_least or 0)
        client.set(_down_key(), failures, ex=seconds)
    except redis.RedisError:
        logger.warning("geocoder circuit unavailable", exc_info=True)
        return 0
    return seconds


def circuit_close() -> None:
    """The geocoder answered: forget the failures."""
    try:
        client = redis_client()
        if client.exists(_failures_key()):
            client.delete(_failures_key(), _down_key())
    except redis.RedisError:
        pass
