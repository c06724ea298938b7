"""Running `paperwire` in-process through Typer's runner, as every CLI test does."""

from __future__ import annotations

from typer.testing import CliRunner

from paperwire.cli import app

runner = CliRunner()


def invoke(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `paperwire ARGS...` (stdin fed from `stdin`)."""
    result = runner.invoke(app, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr
