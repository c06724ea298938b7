"""Docs are tested: every CLI command and every setting is documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import typer.main

from paperwire.cli import app
from paperwire.config import Settings

DOCS = Path(__file__).parents[1] / "docs"


def _commands(group: typer.Typer, prefix: str = "paperwire") -> list[str]:
    click_group = typer.main.get_command(group)
    names: list[str] = []
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            names.extend(f"{prefix} {name} {sub}" for sub in command.commands)
        else:
            names.append(f"{prefix} {name}")
    return names


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = _commands(app)
    assert len(commands) >= 9
    missing = [command for command in commands if f"`{command}" not in text]
    assert missing == []


def test_every_setting_is_documented() -> None:
    text = (DOCS / "config.md").read_text()
    readme = (DOCS.parent / "README.md").read_text()
    names = [f"PAPERWIRE_{name.upper()}" for name in Settings.model_fields]
    assert [name for name in names if name not in text] == []
    # The README stays short: it names the main settings and points to the reference.
    assert "docs/config.md" in readme
    assert "PAPERWIRE_DATA_DIR" in readme and "PAPERWIRE_DATABASE_URL" in readme


def _named_paths(text: str) -> set[str]:
    """Source and test paths the docs name in backticks (`search/fusion.py`,
    `src/paperwire/web/routes.py`, `tests/web/test_routes.py`)."""
    found = set()
    for token in re.findall(r"`([^`\s]+)`", text):
        path = token.split(":")[0].rstrip(".,")
        if path.startswith("/"):  # a URL path of the site (`/.well-known/security.txt`)
            continue
        if re.fullmatch(r"[\w./-]+/[\w.-]+\.(py|html|css|js|txt)", path) or re.fullmatch(
            r"[\w-]+\.py", path
        ):
            found.add(path)
    return found


def _exists(path: str) -> bool:
    root = DOCS.parent
    package = root / "src" / "paperwire"
    candidates = [root / path, package / path, package / "web" / path]
    if "/" not in path:  # a bare module name: somewhere in the package
        return any(package.rglob(path))
    return any(candidate.exists() for candidate in candidates)


def test_paths_named_in_the_docs_exist() -> None:
    pages = [*DOCS.glob("*.md"), DOCS.parent / "README.md"]
    stale = sorted(
        f"{page.name}: {path}"
        for page in pages
        for path in _named_paths(page.read_text())
        if not _exists(path)
    )
    assert stale == []


def test_the_architecture_names_every_room() -> None:
    config = tomllib.loads((DOCS.parent / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    rooms = {room.strip() for layer in contract["layers"] for room in re.split("[|:]", layer)}
    text = (DOCS / "architecture.md").read_text()
    assert sorted(room for room in rooms if f"`{room}" not in text) == []
