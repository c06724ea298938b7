"""Docs are tested: every CLI command and every setting is documented."""

from __future__ import annotations

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
