"""The channel layer (Redis) made to outlive a Redis restart.

channels_redis raises its connection errors into the consumer, which drops every open socket with
"Exception in ASGI application" when Redis restarts, and a new socket can die on a stale pooled
connection. Here a socket's receive waits and retries with backoff instead; the group memberships
of every socket of this process are remembered and joined again once Redis answers (a restarted
Redis has lost them all, whichever socket noticed). Sends stay best effort (README "Realtime"): a
push that cannot be sent is logged and dropped. What a socket missed meanwhile — during the outage
and until its groups were joined again — is made good by a resync hint: each socket whose groups
were joined again gets RESYNC (a `tenant.message` of type "resync", the envelope every consumer
already handles), and its page re-reads the state over the API, as it does when it reconnects.
"""

import asyncio
import logging
from collections import defaultdict

from channels_redis.core import RedisChannelLayer
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CONNECTION_ERRORS = (RedisError, OSError)
RETRY_FIRST_SECONDS = 0.25
RETRY_MAX_SECONDS = 5.0
# What a socket is sent once its groups are joined again: pushes may have been lost.
RESYNC = {"type": "tenant.message", "message": {"type": "resync", "data": {}}}


class ResilientRedisChannelLayer(RedisChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships: dict[str, set[str]] = defaultdict(set)
        self.rejoin: set[str] = set()  # channels whose groups must be joined again

    async def receive(self, channel):
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                if self.rejoin:
                    await self._join_again()
                return await super().receive(channel)
            except CONNECTION_ERRORS as error:
                if asyncio.current_task().cancelling():
                    # The socket is closing and its receive was cancelled, but the Redis client
                    # answered the cancellation with a connection error: stop, never retry (a
                    # retrying receive keeps the closing consumer, and whoever awaits it, forever).
                    raise asyncio.CancelledError from error
                logger.warning("channel layer unavailable (%s); retrying in %.2fs", error, delay)
                # Only the socket holding this process's receive connection sees the error; the
                # others' memberships are gone from Redis all the same.
                self.rejoin.update(self.memberships)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _join_again(self) -> None:
        """Every channel waiting to: its groups, then the resync hint (through Redis, so that it
        reaches a socket waiting on its own receive, which may never see an error)."""
        while self.rejoin:
            channel = self.rejoin.pop()
            try:
                for group in list(self.memberships.get(channel, ())):
                    await super().group_add(group, channel)
                if channel in self.memberships:  # not left meanwhile
                    await super().send(channel, RESYNC)
            except CONNECTION_ERRORS:
                self.rejoin.add(channel)
                raise
            logger.info("channel layer back: %s joined its groups again", channel)

    async def group_add(self, group, channel):
        self.memberships[channel].add(group)
        try:
            await super().group_add(group, channel)
        except CONNECTION_ERRORS as error:
            # The socket stays open; its receive joins the group once Redis answers.
            logger.warning("group_add deferred (%s)", error)
            self.rejoin.add(channel)

    async def group_discard(self, group, channel):
        groups = self.memberships.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                self.memberships.pop(channel, None)
                self.rejoin.discard(channel)
        try:
            await super().group_discard(group, channel)
        except CONNECTION_ERRORS as error:
            # Membership expires in Redis by itself (group_expiry).
            logger.warning("group_discard skipped (%s)", error)

    async def group_send(self, group, message):
        try:
            await super().group_send(group, message)
        except CONNECTION_ERRORS as error:
            logger.warning("push to %s dropped (%s)", group, error)

    async def send(self, channel, message):
        try:
            await super().send(channel, message)
        except CONNECTION_ERRORS as error:
            logger.warning("push to %s dropped (%s)", channel, error)
