"""Digest benchmark: 10,000 confirmed subscribers with 3 topics each, composed, rendered and
sent over SMTP to a local aiosmtpd sink (its own process).

Reports compose time per digest, messages/s sent (rendering included) and the sender's
RSS over the run (it must stay flat). Topic sections use the keyword index (semantic
search would add the embedding model's load, not per-digest cost: searches run once per
distinct topic and window). Prints the figures and writes bench/results/digest_send.json.

    .venv/bin/python bench/digest_send.py [--subscribers 10000] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import resource
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from paperwire.catalog.model import Authority
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.digest import schema, service, tokens
from paperwire.digest.compose import Composer
from paperwire.digest.engine import SendPolicy
from paperwire.digest.model import Preferences
from paperwire.ingest.records import build_record
from paperwire.search.indexes import index_root, open_searcher, update_keyword_index

HERE = Path(__file__).parent
WORDS = (  # noqa: SIM905 - one readable string beats a 40-item list
    "transformer diffusion graph neural network attention quantum segmentation retrieval "
    "language model benchmark robust sparse kernel manifold entropy galaxy spectral gradient "
    "stochastic bayesian causal inference protein molecule reinforcement policy agent vision "
    "encoder decoder medical image speech translation reasoning planning robotics"
).split()


def _sink(port: int, counter: Any, ready: Any, pipelining: bool = True) -> None:
    """An SMTP server that accepts everything and counts (a process of its own).

    aiosmtpd reads each command from its stream in turn, so pipelined commands work; it
    just does not say so: `pipelining` announces PIPELINING (RFC 2920), as Postfix, Exim
    and the big providers do.
    """
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_EHLO(
            self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
        ) -> list[str]:
            session.host_name = hostname
            return [*responses[:-1], "250-PIPELINING", responses[-1]] if pipelining else responses

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _papers(rng: random.Random, count: int, today: dt.date) -> list[Any]:
    records = []
    for number in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10))).capitalize()
        abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(120, 200)))
        records.append(
            build_record(
                source="hf-daily",
                source_record_id=f"b{number}",
                authority=Authority.HF_DAILY,
                raw_id=f"2603.{number:05d}",
                title=title,
                abstract=abstract.capitalize() + ".",
                authors=[f"Author {rng.randint(1, 5000)}" for _ in range(rng.randint(1, 8))],
                categories=["cs.LG"],
                listed_on=today - dt.timedelta(days=number % 2),
                extras={"upvotes": rng.randint(0, 200)},
            )
        )
    return records


def _subscribers(catalog: Catalog, rng: random.Random, count: int, now: dt.datetime) -> None:
    topics = [f"{a} {b}" for a, b in zip(WORDS[::2], WORDS[1::2], strict=False)]
    rows = []
    for number in range(count):
        preferences = Preferences(topics=tuple(rng.sample(topics, 3)))
        rows.append(
            {
                "email": f"reader{number}@example.org",
                "email_key": f"reader{number}@example.org",
                "status": "confirmed",
                "link_key": tokens.new_link_key(),
                "bounces": 0,
                "created_at": now,
                "confirmed_at": now,
                "status_changed_at": now,
                "next_due_at": now,
                **preferences.as_values(),
            }
        )
    with catalog.engine.begin() as connection:
        connection.execute(schema.subscribers.insert(), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--batch", type=int, default=SendPolicy().batch, help="rows claimed per transaction"
    )
    parser.add_argument(
        "--no-pipelining", action="store_true", help="the sink does not announce PIPELINING"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "digest_send.json")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    counter, ready = context.Value("l", 0), context.Event()
    port = _free_port()
    sink = context.Process(
        target=_sink, args=(port, counter, ready, not args.no_pipelining), daemon=True
    )
    sink.start()
    ready.wait(30)

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = Settings(
            data_dir=data,
            base_url="https://papers.example.org",
            secret_key="b" * 40,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            smtp_rate=100_000.0,
            semantic_search=False,
        )
        catalog = Catalog.open(settings.catalog_url())
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        catalog.upsert(_papers(rng, args.papers, now.date()))
        update_keyword_index(catalog, index_root(data))
        _subscribers(catalog, rng, args.subscribers, now)
        setup_seconds = time.perf_counter() - started

        process = psutil.Process()
        searcher = open_searcher(catalog, index_root(data), semantic=False)
        started = time.perf_counter()
        composed = Composer(catalog, searcher).compose_due(now)
        compose_seconds = time.perf_counter() - started
        rss_after_compose = process.memory_info().rss

        samples: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.25):
                samples.append(process.memory_info().rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        policy = SendPolicy(rate=settings.smtp_rate, concurrency=args.concurrency, batch=args.batch)
        engine = service.sender(catalog, settings, policy=policy)
        sink_process = psutil.Process(sink.pid)
        cpu_before, sink_before = process.cpu_times(), sink_process.cpu_times()
        started = time.perf_counter()
        report = engine.run()
        send_seconds = time.perf_counter() - started
        cpu_after, sink_after = process.cpu_times(), sink_process.cpu_times()
        sender_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
        sink_cpu = (sink_after.user + sink_after.system) - (sink_before.user + sink_before.system)
        load = os.getloadavg()[0]
        done.set()
        sampler.join()
        deadline = time.monotonic() + 10
        while counter.value < report.counts["sent"] and time.monotonic() < deadline:
            time.sleep(0.05)
        catalog.close()
    sink.kill()

    quarter = max(1, len(samples) // 4)
    results = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "subscribers": args.subscribers,
        "topics_per_subscriber": 3,
        "papers": args.papers,
        "concurrency": args.concurrency,
        "pipelining": not args.no_pipelining,
        "claim_batch": args.batch,
        "setup_seconds": round(setup_seconds, 1),
        "composed": composed.composed,
        "compose_seconds": round(compose_seconds, 2),
        "compose_ms_per_digest": round(compose_seconds / max(1, composed.composed) * 1000, 3),
        "sent": report.counts["sent"],
        "received_by_sink": counter.value,
        "send_seconds": round(send_seconds, 2),
        "messages_per_s": round(report.counts["sent"] / send_seconds, 1),
        # CPU per message does not depend on what else the machine runs: 1000 / this is
        # what one free core sustains for the sender (the sink needs its own).
        "sender_cpu_ms_per_message": round(sender_cpu / max(1, report.counts["sent"]) * 1000, 2),
        "sink_cpu_ms_per_message": round(sink_cpu / max(1, report.counts["sent"]) * 1000, 2),
        "load_average_during_send": round(load, 2),
        "rss_mib_after_compose": round(rss_after_compose / 2**20, 1),
        "rss_mib_first_quarter_of_send": round(max(samples[:quarter], default=0) / 2**20, 1),
        "rss_mib_last_quarter_of_send": round(max(samples[-quarter:], default=0) / 2**20, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    for name, value in results.items():
        print(f"{name:32} {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
