"""The channel layer (Redis) made to outlive a Redis restart.

channels_redis raises its connection errors into the consumer, which drops every open socket with
"Exception in ASGI application" when Redis restarts, and a new socket can die on a stale pooled
connection. Here a socket's receive waits and retries with backoff instead; its group memberships
are remembered in this process and joined again once Redis answers (a restarted Redis has lost
them). Sends stay best effort (README "Realtime"): a push that cannot be sent is logged and
dropped; pages re-read the state over the API when they reconnect.
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


class ResilientRedisChannelLayer(RedisChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships: dict[str, set[str]] = defaultdict(set)
        self.rejoin: set[str] = set()  # channels whose groups must be joined again

    async def receive(self, channel):
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                if channel in self.rejoin:
                    await self._join_again(channel)
                return await super().receive(channel)
            except CONNECTION_ERRORS as error:
                logger.warning("channel layer unavailable (%s); retrying in %.2fs", error, delay)
                self.rejoin.add(channel)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _join_again(self, channel) -> None:
        for group in list(self.memberships.get(channel, ())):
            await super().group_add(group, channel)
        self.rejoin.discard(channel)
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
