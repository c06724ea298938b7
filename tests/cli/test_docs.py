"""docs/cli.md's reference is what tools/cli_docs.py makes from the app (cog-style): a
changed option, help text or command fails here until `make docs` is run."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from paperwire.cli import app

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs" / "cli.md"


@pytest.fixture(scope="module")
def cli_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "tools" / "cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_is_up_to_date(cli_docs: ModuleType) -> None:
    text = DOCS.read_text()
    assert cli_docs.updated(text, app) == text, "docs/cli.md is stale: run `make docs`"


def test_every_option_of_every_command_is_in_the_reference(cli_docs: ModuleType) -> None:
    import typer.main

    reference = cli_docs.render_reference(app)
    for path, command in cli_docs.walk_commands(typer.main.get_command(app), []):
        assert f"### `{' '.join(['paperwire', *path])}`" in reference
        for param in command.params:
            if param.param_type_name == "option" and param.name not in cli_docs.COMPLETION:
                assert f"`{param.opts[0]}`" in reference


def test_check_fails_on_a_stale_file_and_a_rewrite_fixes_it(
    cli_docs: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "cli.md"
    text = DOCS.read_text()
    stale.write_text(text.replace("Print the summary as JSON.", "Print JSON, maybe.", 1))
    assert cli_docs.main(["--check", str(stale)]) == 1
    assert "stale" in capsys.readouterr().err
    assert cli_docs.main([str(stale)]) == 0
    assert stale.read_text() == text
    assert cli_docs.main(["--check", str(stale)]) == 0


def test_the_hand_written_part_is_kept_and_markers_are_required(cli_docs: ModuleType) -> None:
    text = f"# intro\n\n{cli_docs.START}\nstale reference\n{cli_docs.END}\n\nfooter\n"
    fresh = cli_docs.updated(text, app)
    assert fresh.startswith(f"# intro\n\n{cli_docs.START}\n") and fresh.endswith("\nfooter\n")
    assert "stale reference" not in fresh and "### `paperwire ingest`" in fresh
    with pytest.raises(ValueError, match="markers"):
        cli_docs.updated("# no markers\n", app)
