"""Raw-socket HTTP/1.1 helpers for the slow-client tests."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from tests.reliability.conftest import Answer


def connect(url: str, timeout_s: float = 30) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout_s)


def read_answer(sock: socket.socket) -> Answer:
    """One response (Content-Length framed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a full answer: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Answer(status, headers, rest[:length])


def is_closed(sock: socket.socket, wait_s: float = 5) -> bool:
    """True when the server closes the connection within ``wait_s``."""
    sock.settimeout(wait_s)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


def post_head(path: str, length: int, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n{extra}\r\n"
    ).encode()


def event_body(**fields: Any) -> bytes:
    return json.dumps({"event_type": "tool", "inputs": {"q": 1}, **fields}).encode()


def elapsed(since: float) -> float:
    return time.monotonic() - since
