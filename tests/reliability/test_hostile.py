"""The hostile corpus (tests/reliability/hostile_cases.py) against a live server of each
backend, over ONE keep-alive connection: no 5xx, no hang, no dropped connection, and every
refusal in the error envelope."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.reliability.conftest import ENVELOPE_KEYS, OneConnection
from tests.reliability.hostile_cases import cases
from tests.reliability.server import ServerProcess

# A request not answered within this many seconds counts as a hang.
HANG_S = 30


def run_corpus(url: str) -> tuple[Counter[int], list[str], int]:
    """(statuses, problems, reconnects) of the whole corpus."""
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    reconnects = 0
    conn = OneConnection(url, timeout_s=HANG_S)
    for case in cases():
        try:
            answer = conn.request(case.method, case.path, case.body, case.headers)
        except TimeoutError:
            problems.append(f"{case.name}: no answer within {HANG_S} s")
            conn = OneConnection(url, timeout_s=HANG_S)
            continue
        except (ConnectionError, OSError) as exc:
            problems.append(f"{case.name}: transport error {exc!r}")
            conn = OneConnection(url, timeout_s=HANG_S)
            continue
        statuses[answer.status] += 1
        if answer.status >= 500:
            problems.append(f"{case.name}: {answer.status} {answer.body[:300]!r}")
        elif answer.status >= 400 and case.method != "HEAD":
            body = answer.json()
            if not set(body) >= ENVELOPE_KEYS or body["statusCode"] != answer.status:
                problems.append(f"{case.name}: {answer.status} without the envelope {body}")
        elif answer.status not in case.allowed and answer.status != 200:
            problems.append(f"{case.name}: unexpected {answer.status}")
        elif answer.status == 200 and 200 not in case.allowed:
            problems.append(f"{case.name}: accepted (200) but must be refused")
        if conn.local_port is None:  # the server said Connection: close
            if answer.headers.get("connection") != "close":
                problems.append(f"{case.name}: connection closed without Connection: close")
            reconnects += 1
            conn = OneConnection(url, timeout_s=HANG_S)
        elif conn.local_port != conn.first_port:
            problems.append(f"{case.name}: the connection changed")
    conn.close()
    return statuses, problems, reconnects


def test_the_corpus_is_large_enough() -> None:
    names = [case.name for case in cases()]
    assert len(names) >= 150
    assert len(set(names)) == len(names), [n for n, k in Counter(names).items() if k > 1]


async def test_hostile_corpus_gets_no_5xx_no_hang(shared_server: ServerProcess) -> None:
    statuses, problems, reconnects = await asyncio.to_thread(run_corpus, shared_server.url)
    print(
        f"hostile corpus on {shared_server.database_url.split(':')[0]}: {dict(statuses)}, "
        f"reconnects after Connection: close: {reconnects}"
    )
    assert not problems, "\n".join(problems)
    assert sum(statuses.values()) == len(cases())
    # The server is still healthy afterwards.
    after = OneConnection(shared_server.url)
    assert after.request("GET", "/readyz").status == 200
