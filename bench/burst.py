"""A burst against a real server: N clients at once, each on its own connection, one request
each. Prints, per admission setting, the statuses (with errorCode), transport errors, how long
the burst took and how fast the refusals came. Used to choose EVENTS_MAX_IN_FLIGHT's default.

    .venv/bin/python -m bench.burst --backend postgres --clients 1000 --limits 0,30,100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter

from bench.http_load import _read_response, encode_request
from bench.server import database, running_server


def _search() -> bytes:
    body = {
        "filters": [
            {"field": "metadata.n", "operator": "greater than", "value": 10, "type": "number"}
        ],
        "limit": 50,
    }
    return json.dumps(body).encode()


def _create() -> bytes:
    return json.dumps({"event_type": "tool", "inputs": {"q": 1}, "metadata": {"n": 5}}).encode()


async def _one(host: str, port: int, request: bytes) -> tuple[str, float]:
    began = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        return f"connect error {type(exc).__name__}", time.perf_counter() - began
    try:
        writer.write(request)
        status, body = await asyncio.wait_for(_read_response(reader), 120)
    except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError) as exc:
        return f"transport error {type(exc).__name__}", time.perf_counter() - began
    finally:
        writer.close()
    label = str(status)
    if status != 200:
        try:
            label += " " + json.loads(body)["errorCode"]
        except (ValueError, KeyError):
            label += " (no envelope)"
    return label, time.perf_counter() - began


async def _seed(url: str, count: int) -> None:
    import httpx

    events = [
        {"event_type": "tool", "inputs": {}, "metadata": {"n": i % 100}} for i in range(count)
    ]
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for start in range(0, count, 500):
            answer = await client.post(
                "/v1/events/batch", json={"events": events[start : start + 500]}
            )
            answer.raise_for_status()


async def burst(backend: str, clients: int, limit: int, mixed: bool) -> None:
    async with database(backend) as url:
        env = {"EVENTS_MAX_IN_FLIGHT": str(limit)}
        async with running_server(url, env) as base:
            await _seed(base, 5000)
            host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
            requests = []
            for i in range(clients):
                if mixed and i % 2:
                    requests.append(
                        encode_request("POST", "/v1/events", "b", _create(), "application/json")
                    )
                else:
                    requests.append(
                        encode_request(
                            "POST", "/v1/events/search", "b", _search(), "application/json"
                        )
                    )
            began = time.perf_counter()
            results = await asyncio.gather(*(_one(host, port, r) for r in requests))
            took = time.perf_counter() - began
    statuses = Counter(label for label, _ in results)
    ok = sorted(t for label, t in results if label == "200")
    refused = sorted(t for label, t in results if label.startswith("503"))
    name = "pool-sized default" if limit == 0 else ("no limit" if limit >= 100_000 else str(limit))
    print(
        f"{backend} {'mixed' if mixed else 'search'} burst of {clients}, admission {name}: "
        f"{dict(statuses)}; burst took {took:.1f} s; "
        f"200 median {statistics.median(ok) if ok else 0:.2f} s p99 "
        f"{ok[int(len(ok) * 0.99) - 1] if ok else 0:.2f} s; "
        f"503 median {statistics.median(refused) if refused else 0:.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", default="postgres", choices=["postgres", "sqlite"])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--limits", default="0,100000", help="EVENTS_MAX_IN_FLIGHT values")
    parser.add_argument("--mixed", action="store_true", help="half creates, half searches")
    args = parser.parse_args()
    for limit in (int(x) for x in args.limits.split(",")):
        asyncio.run(burst(args.backend, args.clients, limit, args.mixed))


if __name__ == "__main__":
    main()
