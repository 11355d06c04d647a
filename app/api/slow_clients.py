"""uvicorn's httptools protocol with deadlines for slow clients (slowloris).

uvicorn has a keep-alive timeout between requests but none while a request's headers or body
trickle in. This protocol answers 408 in the error envelope and closes the connection when a
request's headers are not complete ``EVENTS_HEADER_TIMEOUT_S`` after its first byte (or after
the connection opened), and closes a connection whose body is still trickling in after the
app already answered and ``EVENTS_BODY_TIMEOUT_S`` passed. (The app itself answers 408 when
it waits for a body longer than that: app/api/boundary.py.) `events-api serve` uses it as
``http="app.api.slow_clients:DeadlineHttpToolsProtocol"``.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import error_envelope
from app.settings import Settings


@functools.cache
def _deadlines() -> tuple[float, float]:
    settings = Settings()
    return settings.header_timeout_s, settings.body_timeout_s


def _timeout_answer(message: str) -> bytes:
    body = orjson.dumps(error_envelope(408, message, "REQUEST_TIMEOUT"))
    head = (
        b"HTTP/1.1 408 Request Timeout\r\n"
        b"content-type: application/json\r\n"
        b"connection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s, self.body_timeout_s = _deadlines()
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_overdue = False

    # -- headers -------------------------------------------------------------------------
    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_overdue)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_overdue(self) -> None:
        self._header_timer = None
        if self.transport is None or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being served; its headers were complete
        self.transport.write(
            _timeout_answer(
                f"the request headers did not arrive within {self.header_timeout_s:g} s"
            )
        )
        self.transport.close()

    # -- body ----------------------------------------------------------------------------
    def _body_deadline(self) -> None:
        self._body_timer = None
        cycle = self.cycle
        if cycle is None or not cycle.more_body or self.transport.is_closing():
            return
        if cycle.response_complete:
            self.transport.close()  # answered already, the body still trickles: drop it
        else:
            self._body_overdue = True  # the app answers 408 itself; close after its answer

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    # -- uvicorn hooks -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._body_overdue = False
        if self._header_timer is None:
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()
        self._cancel_body_timer()
        self._body_timer = self.loop.call_later(self.body_timeout_s, self._body_deadline)

    def on_message_complete(self) -> None:
        self._cancel_body_timer()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._body_overdue and self.cycle is not None and self.cycle.more_body:
            self.transport.close()
