"""A workaround for kombu's Redis transport (5.7) losing the worker when Redis goes away.

When the broker connection drops while tasks are unacknowledged (acks_late: any task running),
Celery closes the connection; kombu's Redis channel then tries to put those messages back through
a connection it has just torn down and raises AttributeError ("'NoneType' object has no attribute
'hostname'"), which Celery treats as unrecoverable: the worker exits instead of reconnecting. The
messages it meant to restore are in Redis's unacked set (restored after the visibility timeout)
or gone with a restarted Redis; either way our sweeps re-send what is still due.
"""

import logging

from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)


def channel_close_tolerant() -> None:
    original = kombu_redis.Channel.close
    if getattr(original, "tolerant", False):
        return

    def close(self):
        try:
            original(self)
        except AttributeError as error:
            self.closed = True
            logger.warning("broker channel closed without restoring unacked messages (%s)", error)

    close.tolerant = True
    kombu_redis.Channel.close = close
