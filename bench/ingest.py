"""Ingest benchmark: a synthetic arXiv metadata snapshot, parsed and stored.

Reports records/s into SQLite and PostgreSQL and the peak RSS of the ingesting process, for
50k and 200k records (RSS must stay flat as the file grows). Each run is a fresh subprocess
so its peak RSS is its own. Prints a table and writes bench/results/ingest.json.

    python bench/ingest.py [--sizes 50000 200000] [--backends sqlite postgresql]
        [--from-sample shared/data/arxiv-metadata-snapshot-sample.jsonl] [--src OTHER/src]

`--from-sample` builds the file from real snapshot records instead (each line of the sample
repeated with a new id and a distinct title word, keys and values otherwise as arXiv wrote
them). `--src` runs the children on another checkout's code (a copy of the old code path),
so that old and new are measured in the same run, alternately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).parent
WORDS = (  # noqa: SIM905 - one readable string beats a 40-item list
    "transformer diffusion graph neural network attention quantum field lattice gauge "
    "segmentation retrieval language model benchmark robust sparse kernel manifold entropy "
    "boson fermion galaxy cluster spectral optimisation gradient stochastic bayesian causal "
    "inference protein molecule reinforcement policy agent vision encoder decoder"
).split()
CATEGORIES = ["cs.LG", "cs.CV", "cs.CL", "hep-th", "hep-ph", "math.AP", "quant-ph", "astro-ph.GA"]


def _zipf_words(rng: random.Random, count: int) -> str:
    return " ".join(
        WORDS[min(int(rng.paretovariate(1.2)) - 1, len(WORDS) - 1)] for _ in range(count)
    )


def _name(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7))


# arXiv lists about a thousand new papers a working day: so do the synthetic ones (a first
# version on day index // 1000, later versions a week apart), so that day, week and month
# pages hold what they hold on a real instance, not the whole snapshot on one day.
PAPERS_PER_DAY = 1000
FIRST_DAY = dt.date(2015, 1, 2)


def versions_day(index: int, number: int) -> dt.date:
    """The day version `number` (1-based) of the index-th synthetic paper was created."""
    return FIRST_DAY + dt.timedelta(days=index // PAPERS_PER_DAY + 7 * (number - 1))


def versions_of(index: int, count: int) -> list[dict[str, str]]:
    """The snapshot's `versions` list, dated in its RFC 2822 form."""
    return [
        {
            "version": f"v{number}",
            "created": email.utils.format_datetime(
                dt.datetime.combine(versions_day(index, number), dt.time(10), dt.UTC),
                usegmt=True,
            ),
        }
        for number in range(1, count + 1)
    ]


def generate(path: Path, count: int, seed: int = 7) -> None:
    """Records in the snapshot's exact shape (keys, wrapped abstracts, versions, authors)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            year_month = 1501 + (index // 99_999) % 12
            authors = [
                (f"Surname{rng.randint(1, 5000)}", f"A. {chr(65 + rng.randint(0, 25))}.", "")
                for _ in range(rng.randint(1, 8))
            ]
            abstract_words = _zipf_words(rng, rng.randint(80, 250)).split()
            lines = [
                " ".join(abstract_words[i : i + 12]) for i in range(0, len(abstract_words), 12)
            ]
            versions = versions_of(index, rng.randint(1, 3))
            record = {
                "id": f"{year_month}.{index % 99_999 + 1:05d}",
                "submitter": authors[0][1] + " " + authors[0][0],
                "authors": ", ".join(f"{first} {last}" for last, first, _ in authors),
                "title": (
                    _zipf_words(rng, rng.randint(4, 12)).title()
                    # real arXiv titles are all but unique; a 40-word vocabulary alone would
                    # repeat titles thousands of times
                    + f" {_name(rng)}\n  for {_name(rng).title()}"
                ),
                "comments": f"{rng.randint(4, 40)} pages"
                + (", code at https://github.com/org/repo" if rng.random() < 0.1 else ""),
                "journal-ref": None,
                "doi": f"10.1000/x{index}" if rng.random() < 0.3 else None,
                "report-no": None,
                "categories": " ".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
                "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
                "abstract": "  " + "\n".join(lines) + "\n",
                "versions": versions,
                "update_date": versions_day(index, len(versions)).isoformat(),
                "authors_parsed": [list(a) for a in authors],
            }
            out.write(json.dumps(record) + "\n")


def generate_from_sample(path: Path, count: int, sample: Path) -> None:
    """`count` records cycled from a real snapshot sample, each with its own arXiv id and a
    title made distinct (real titles are all but unique, and title keys are cached)."""
    records = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    records = [record for record in records if isinstance(record, dict)]
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            record = dict(records[index % len(records)])
            year_month = 1501 + (index // 99_999) % 12
            record["id"] = f"{year_month}.{index % 99_999 + 1:05d}"
            record["title"] = f"{record['title']} {_word(index)}"
            out.write(json.dumps(record) + "\n")


def _word(number: int) -> str:
    letters = []
    while True:
        number, digit = divmod(number, 26)
        letters.append(chr(97 + digit))
        if not number:
            return "".join(letters)


def _run_one(path: str, url: str) -> None:
    """Child process: ingest `path` into `url`, print JSON figures."""
    from paperwire.catalog.store import Catalog
    from paperwire.ingest.files import ingest_paths

    catalog = Catalog.open(url)
    started = time.perf_counter()
    own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    report = ingest_paths(catalog, [Path(path)])
    elapsed = time.perf_counter() - started
    own, children = _cpu(resource.RUSAGE_SELF) - own, _cpu(resource.RUSAGE_CHILDREN) - children
    catalog.close()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                # CPU seconds of the writing process and of all processes (its parsers
                # too): on a shared machine these move far less than the wall clock.
                "writer_cpu_seconds": own,
                "cpu_seconds": own + children,
                "added": report.counts.added,
                "rejected": report.counts.rejected,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _database(backend: str, workdir: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}", None
    import sqlalchemy as sa

    name = f"paperwire_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        "postgresql+psycopg://root@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://root@127.0.0.1:5432/{name}", name


def _drop(name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(
        "postgresql+psycopg://root@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--from-sample", type=Path, help="a real snapshot sample to cycle")
    parser.add_argument(
        "--src", type=Path, nargs="*", default=[], help="other checkouts' src/ to run too"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_one(*args.child)
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for size in args.sizes:
            snapshot = workdir / f"snapshot-{size}.jsonl"
            if args.from_sample:
                generate_from_sample(snapshot, size, args.from_sample)
            else:
                generate(snapshot, size)
            for backend, code in itertools.product(args.backends, [None, *args.src]):
                url, pg_name = _database(backend, workdir)
                env = dict(os.environ)
                if code is not None:
                    env["PYTHONPATH"] = os.pathsep.join([str(code), env.get("PYTHONPATH", "")])
                try:
                    child = subprocess.run(
                        [sys.executable, __file__, "--child", str(snapshot), url],
                        check=True,
                        capture_output=True,
                        text=True,
                        env=env,
                    )
                finally:
                    if pg_name:
                        _drop(pg_name)
                figures = json.loads(child.stdout.strip().splitlines()[-1])
                row = {
                    "code": str(code) if code else "this checkout",
                    "backend": backend,
                    "records": size,
                    "records_per_second": round(size / figures["seconds"]),
                    "seconds": round(figures["seconds"], 2),
                    "cpu_us_per_record": round(figures["cpu_seconds"] / size * 1e6),
                    "writer_cpu_us_per_record": round(figures["writer_cpu_seconds"] / size * 1e6),
                    "load_average": round(os.getloadavg()[0], 2),
                    "peak_rss_mb": round(figures["peak_rss_mb"], 1),
                    "rejected": figures["rejected"],
                }
                results.append(row)
                print(
                    f"{row['code'][-24:]:24} {backend:10} {size:>8} records  "
                    f"{row['records_per_second']:>7} rec/s  "
                    f"{row['seconds']:>7} s  CPU {row['cpu_us_per_record']:>4} µs/rec "
                    f"(writer {row['writer_cpu_us_per_record']:>4})  "
                    f"peak RSS {row['peak_rss_mb']:>6} MB  load {row['load_average']}",
                    flush=True,
                )
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
