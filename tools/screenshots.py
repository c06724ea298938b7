"""Screenshots of the demo for the README and the docs: the front page, a paper page, search
and trending, at a desktop (1280 px) and a phone (390 px) width, into docs/screenshots/.

It does what a new user does: `paperwire demo` into a fresh data directory, `paperwire
serve` on a free loopback port, then Debian's Chromium (through Playwright) opens each page.
Each picture is one viewport high (not the full page) and, when Pillow is there, reduced to
a 256-colour palette, so the PNGs stay small enough to commit.

    .venv/bin/python tools/screenshots.py            (or: make screenshots)
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PAPERWIRE = Path(sys.executable).parent / "paperwire"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# (file name stem, path on the site)
PAGES = [
    ("front", "/"),
    ("paper", "/papers/2602.23229"),
    ("search", "/search?q=language+model"),
    ("trending", "/trending"),
]
# (suffix, viewport): a laptop and a common phone.
SIZES = [("1280", {"width": 1280, "height": 800}), ("390", {"width": 390, "height": 844})]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_server(data_dir: Path) -> Iterator[str]:
    """The demo corpus in `data_dir`, served by `paperwire serve`; yields its base URL."""
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir)}
    env.pop("PAPERWIRE_DATABASE_URL", None)  # never a real instance's database
    subprocess.run([str(PAPERWIRE), "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [str(PAPERWIRE), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"paperwire serve did not start (exit {server.poll()})")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def shrink(path: Path) -> None:
    """A 256-colour palette PNG, when Pillow is installed (text and flat colours survive it)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is optional here
        return
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    reduced.save(path, optimize=True)


def take(base: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for suffix, viewport in SIZES:
                context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
                page = context.new_page()
                for stem, path in PAGES:
                    response = page.goto(base + path, wait_until="networkidle")
                    if response is None or response.status != 200:
                        status = response.status if response else "no response"
                        raise SystemExit(f"{path} answered {status}")
                    target = out / f"{stem}-{suffix}.png"
                    page.screenshot(path=str(target), full_page=False)
                    shrink(target)
                    written.append(target)
                context.close()
        finally:
            browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory(prefix="paperwire-screenshots-")
    with scratch, demo_server(Path(scratch.name) / "data") as base:
        written = take(base, args.out)
    for path in written:
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
            f"  {path.stat().st_size // 1024} KiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
