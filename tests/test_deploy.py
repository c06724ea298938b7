"""deploy/: the files docs/deploy.md tells a self-hoster to copy. Every systemd unit runs a
`paperwire` command line this version accepts; the environment file names real settings;
the nginx config passes the probes, guards /metrics and forwards what paperwire reads."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from paperwire.config import Settings
from tests.cli.kit import invoke

DEPLOY = Path(__file__).parent.parent / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def unit_sections(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections as {section: {key: [values, in order]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def paperwire_arguments(exec_start: str) -> list[str]:
    """The arguments given to the paperwire binary, directly or through `sh -c 'exec ...'`
    (systemd's %% is one %)."""
    words = shlex.split(exec_start.replace("%%", "%"))
    if Path(words[0]).name == "sh" and words[1] == "-c":
        words = shlex.split(words[2])
        if words[0] == "exec":
            words = words[1:]
    assert Path(words[0]).name == "paperwire", exec_start
    return words[1:]


def test_there_are_units_for_the_web_the_worker_and_backups() -> None:
    assert {path.name for path in UNITS} >= {
        "paperwire-web.service",
        "paperwire-worker.service",
        "paperwire-backup.service",
    }
    timer = unit_sections(DEPLOY / "systemd" / "paperwire-backup.timer")
    assert timer["Timer"]["OnCalendar"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_each_unit_runs_a_command_line_paperwire_accepts(unit: Path) -> None:
    """The unit's own arguments, with --help added: an unknown command or option fails to
    parse before --help is answered."""
    service = unit_sections(unit)["Service"]
    (exec_start,) = service["ExecStart"]
    arguments = paperwire_arguments(exec_start)
    code, stdout, stderr = invoke([*arguments, "--help"])
    assert code == 0, f"{unit.name}: paperwire {' '.join(arguments)}: {stderr}"
    assert re.search(rf"Usage: \S+ {arguments[0]} ", stdout), stdout[:200]
    assert service["User"] == ["paperwire"]
    assert service["EnvironmentFile"] == ["/etc/paperwire/paperwire.env"]


def test_the_web_unit_gives_prometheus_a_fresh_directory() -> None:
    service = unit_sections(DEPLOY / "systemd" / "paperwire-web.service")["Service"]
    directory = service["RuntimeDirectory"][0]
    assert f"PROMETHEUS_MULTIPROC_DIR=/run/{directory}" in service["Environment"]
    assert "--workers" in service["ExecStart"][0]


def test_the_environment_file_names_only_real_settings() -> None:
    lines = (DEPLOY / "paperwire.env").read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines if line.strip() and line[0] != "#")
    fields = {f"PAPERWIRE_{name.upper()}" for name in Settings.model_fields}
    assert values and set(values) <= fields, set(values) - fields
    # ...and values they accept.
    Settings(**{name.removeprefix("PAPERWIRE_").lower(): v for name, v in values.items()})


def test_nginx_passes_the_probes_and_keeps_metrics_private() -> None:
    config = (DEPLOY / "nginx" / "paperwire.conf").read_text()
    locations = dict(re.findall(r"location\s+(=?\s*\S+)\s*\{([^}]*)\}", config))
    for probe in ("/healthz", "/readyz", "/metrics"):
        body = locations[f"= {probe}"]
        assert "proxy_pass http://paperwire;" in body, probe
    assert "deny all;" in locations["= /metrics"]
    assert "proxy_pass http://paperwire;" in locations["/"]
    # What paperwire reads behind a proxy: the client, the scheme (Secure cookies, HSTS)
    # and the request id its logs carry.
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID", "Host"):
        assert f"proxy_set_header {header} " in config
    assert re.search(r"server 127\.0\.0\.1:8000;", config)
    size = re.search(r"client_max_body_size (\d+)m;", config)
    assert size and int(size.group(1)) * 1024 * 1024 > Settings().max_json_bytes
