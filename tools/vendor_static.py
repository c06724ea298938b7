"""Copy the front-end files paperwire serves from node_modules (installed by `npm ci` from
package-lock.json) into src/paperwire/web/static/vendor, so pages load nothing from a CDN."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "paperwire" / "web" / "static" / "vendor"

# (package, files or globs inside it, folder under vendor/)
WANTED: list[tuple[str, list[str], str]] = [
    (
        "katex",
        [
            "LICENSE",
            "dist/katex.min.js",
            "dist/katex.min.css",
            "dist/contrib/auto-render.min.js",
            "dist/fonts/*.woff2",
        ],
        "katex",
    ),
    (
        "swagger-ui-dist",
        ["LICENSE", "swagger-ui-bundle.js", "swagger-ui.css"],
        "swagger-ui",
    ),
]


def main() -> int:
    for package, patterns, target in WANTED:
        source = MODULES / package
        if not source.is_dir():
            print(f"{source} is missing: run `npm ci` first", file=sys.stderr)
            return 1
        destination = VENDOR / target
        shutil.rmtree(destination, ignore_errors=True)
        for pattern in patterns:
            matches = sorted(source.glob(pattern))
            if not matches:
                print(f"{package}: nothing matches {pattern}", file=sys.stderr)
                return 1
            for path in matches:
                relative = path.relative_to(source)
                # katex.min.css refers to fonts/...: keep dist's layout below the target.
                if relative.parts[0] == "dist":
                    relative = Path(*relative.parts[1:])
                out = destination / relative
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
