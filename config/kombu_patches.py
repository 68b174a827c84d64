"""A workaround for kombu's Redis transport (5.7) losing the worker when Redis goes away.

When the broker connection drops while tasks are unacknowledged (acks_late: any task running),
Celery closes the connection, which detaches the transport from it. Kombu's Redis channel then
still talks through that transport — to put the unacked messages back on close, or to ack a task
that finishes after the reconnect — and raises AttributeError ("'NoneType' object has no
attribute 'hostname'"), which Celery treats as unrecoverable: the worker exits instead of
reconnecting. Raised as a connection error instead, kombu and Celery handle it as designed (the
channel is dropped, the ack is logged as impossible). The messages concerned are in Redis's unacked
set (restored after the visibility timeout) or gone with a restarted Redis; either way our sweeps
re-send what is still due, and every task is safe to run twice.
"""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


def detached_channel_raises_connection_error() -> None:
    original = kombu_redis.Channel._connparams
    if getattr(original, "patched", False):
        return

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection of this channel was closed")
        return original(self, asynchronous=asynchronous)

    _connparams.patched = True
    kombu_redis.Channel._connparams = _connparams
