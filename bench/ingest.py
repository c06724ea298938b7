"""Ingest benchmark: a synthetic arXiv metadata snapshot, parsed and stored.

Reports records/s into SQLite and PostgreSQL and the peak RSS of the ingesting process, for
50k and 200k records (RSS must stay flat as the file grows). Each run is a fresh subprocess
so its peak RSS is its own. Prints a table and writes bench/results/ingest.json.

    python bench/ingest.py [--sizes 50000 200000] [--backends sqlite postgresql]
"""

from __future__ import annotations

import argparse
import json
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
            versions = [
                {"version": f"v{v + 1}", "created": f"Mon, {v + 2} Jan 2015 10:00:00 GMT"}
                for v in range(rng.randint(1, 3))
            ]
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
                "update_date": "2015-01-05",
                "authors_parsed": [list(a) for a in authors],
            }
            out.write(json.dumps(record) + "\n")


def _run_one(path: str, url: str) -> None:
    """Child process: ingest `path` into `url`, print JSON figures."""
    from paperwire.catalog.store import Catalog
    from paperwire.ingest.files import ingest_paths

    catalog = Catalog.open(url)
    started = time.perf_counter()
    report = ingest_paths(catalog, [Path(path)])
    elapsed = time.perf_counter() - started
    catalog.close()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "added": report.counts.added,
                "rejected": report.counts.rejected,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


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
            generate(snapshot, size)
            for backend in args.backends:
                url, pg_name = _database(backend, workdir)
                try:
                    child = subprocess.run(
                        [sys.executable, __file__, "--child", str(snapshot), url],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                finally:
                    if pg_name:
                        _drop(pg_name)
                figures = json.loads(child.stdout.strip().splitlines()[-1])
                row = {
                    "backend": backend,
                    "records": size,
                    "records_per_second": round(size / figures["seconds"]),
                    "seconds": round(figures["seconds"], 2),
                    "peak_rss_mb": round(figures["peak_rss_mb"], 1),
                    "rejected": figures["rejected"],
                }
                results.append(row)
                print(
                    f"{backend:10} {size:>8} records  {row['records_per_second']:>7} rec/s  "
                    f"{row['seconds']:>7} s  peak RSS {row['peak_rss_mb']:>6} MB",
                    flush=True,
                )
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
