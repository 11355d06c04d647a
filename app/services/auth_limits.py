"""In-memory helpers of authentication: a short cache of API key look-ups, and a limit on
failed authentications per client address."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Final, Generic, TypeVar

V = TypeVar("V")

# Clients (addresses) tracked at once by the failure limiter; the oldest are forgotten.
MAX_TRACKED_CLIENTS: Final[int] = 10_000
# Key look-ups remembered at once.
MAX_CACHED_KEYS: Final[int] = 10_000


class TtlCache(Generic[V]):
    """Values remembered for ``ttl_s`` seconds (0: nothing is remembered), at most
    ``max_size`` of them (least recently stored first out)."""

    def __init__(
        self,
        ttl_s: float,
        max_size: int = MAX_CACHED_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_size = max_size
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, key: str) -> tuple[bool, V | None]:
        """``(found, value)``: found is False when absent or expired."""
        item = self._items.get(key)
        if item is None:
            return False, None
        expires, value = item
        if self.clock() >= expires:
            del self._items[key]
            return False, None
        return True, value

    def put(self, key: str, value: V) -> None:
        if self.ttl_s <= 0:
            return
        self._items[key] = (self.clock() + self.ttl_s, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


class FailureLimiter:
    """At most ``limit`` failed authentications per client within ``window_s`` seconds; a
    client over it is refused, without a database look-up, until its oldest failure leaves
    the window."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, client: str, now: float) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def retry_after(self, client: str | None) -> int | None:
        """Seconds until ``client`` may try again, or None when it may now."""
        if client is None:
            return None
        now = self.clock()
        failures = self._recent(client, now)
        if failures is None or len(failures) < self.limit:
            return None
        return max(1, math.ceil(failures[0] + self.window_s - now))

    def record(self, client: str | None) -> None:
        if client is None:
            return
        now = self.clock()
        failures = self._recent(client, now)
        if failures is None:
            failures = self._failures[client] = deque()
        failures.append(now)
        self._failures.move_to_end(client)
        while len(self._failures) > MAX_TRACKED_CLIENTS:
            self._failures.popitem(last=False)
