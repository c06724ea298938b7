"""/openapi.json tells the truth: schemathesis, in-process, against the app served by a real
uvicorn over the demo corpus, anonymously and with an API token.

Every phase runs (examples, coverage, fuzzing, and the stateful phase that follows the
links between operations) with every default check, a fixed seed and bounded examples, and
must find nothing: each status code, header and content type an operation answers is in
the document, and what the document requires is enforced. The exclusions, each scoped to
the operations it cannot apply to, are in CONFIG with their reasons.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import argon2
import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from schemathesis.cli import schemathesis as schemathesis_cli

from paperwire.accounts import passwords
from paperwire.accounts.tokens import create_token
from paperwire.catalog.store import Catalog
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.community import make_user
from tests.web.conftest import Site, site_over

pytestmark = pytest.mark.slow

SEED = 20260314
MAX_EXAMPLES = 10

# schemathesis.toml for these runs. Only what cannot apply is left out, by name:
CONFIG = r"""
# Nothing kept between runs (by default in ./.schemathesis, in the checkout): each run
# stands alone and leaves nothing behind.
[cache]
enabled = false

# Mutually exclusive parameters (at most one of date, week and month: docs/api.md), a date
# range's ends in order, a real calendar day (February 30th matches YYYY-MM-DD): OpenAPI
# cannot state these, so a schema-valid request may rightly be refused 400 here. The
# patterns in the document state everything else; negative data stays checked.
[[operations]]
include-path-regex = '^/(api/daily_papers|api/v1/(papers|search)|feeds/search\.\{fmt\})$'
checks.positive_data_acceptance.enabled = false

# Whether a paper may be submitted is arXiv's answer and the calendar's (recent papers
# only: docs/community.md), not the request's shape: a well-formed id is refused 400.
[[operations]]
include-path = "/api/v1/submissions"
include-method = "POST"
checks.positive_data_acceptance.enabled = false
"""


@pytest.fixture(scope="module")
def contract_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    """The demo site, and a token of a verified user on it."""
    with site_over(tmp_path_factory.mktemp("contract") / "paperwire-data") as site:
        yield site, _token(site.catalog)


def _token(catalog: Catalog) -> str:
    # tests.support.community's quick_hashing, for a module-scoped fixture.
    saved = passwords.HASHER
    passwords.HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    try:
        # Someone else's tokens first: the run revokes the token ids it guesses (small ones
        # most), and ours must outlive them (theirs answer 404, as they should).
        bystander = make_user(catalog, "bystander")
        for _ in range(40):
            create_token(catalog, bystander, "other")
        user = make_user(catalog, "schemathesis")
    finally:
        passwords.HASHER = saved
    return create_token(catalog, user, "contract")[0]


@pytest.fixture(scope="module")
def contract_site_on_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: str
) -> Iterator[tuple[Site, str]]:
    """The same on a PostgreSQL database of its own (int4 ids: ranges the document
    states must be the column's)."""
    name = f"paperwire_contract_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    data_dir = tmp_path_factory.mktemp("contract-pg") / "paperwire-data"
    try:
        with site_over(data_dir, database_url=f"{postgres_server}/{name}") as site:
            yield site, _token(site.catalog)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize(
    ("database", "who"),
    [("sqlite", "anonymous"), ("sqlite", "token"), ("postgresql", "token")],
)
def test_openapi_document_holds_under_schemathesis(
    request: pytest.FixtureRequest, database: str, who: str, tmp_path: Path
) -> None:
    fixture = "contract_site" if database == "sqlite" else "contract_site_on_postgres"
    site, token = request.getfixturevalue(fixture)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    arguments = [
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{site.url}/openapi.json",
        # No --checks: every default check.
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "1",
        "--suppress-health-check",
        "too_slow,filter_too_much",
    ]
    if who == "token":
        arguments += ["--header", f"Authorization: Bearer {token}"]
        # Revoking the token the run signs in with would leave the rest of the run
        # anonymous (the stateful phase finds its id in GET /api/v1/me/tokens): the
        # anonymous run covers this operation.
        arguments += ["--exclude-path", "/api/v1/me/tokens/{token_id}"]
    result = CliRunner().invoke(schemathesis_cli, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_document_names_the_apps_own_answers(contract_site: tuple[Site, str]) -> None:
    """Validation is 400 (never FastAPI's 422), bodies may be 413, accounts 401, state
    changes 403 (CSRF), 429 says Retry-After, markdown is markdown."""
    document = httpx.get(f"{contract_site[0].url}/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    assert all("422" not in operation["responses"] for _, _, operation in operations)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    with_body = [operation for _, _, operation in operations if "requestBody" in operation]
    assert with_body and all("413" in operation["responses"] for operation in with_body)
    tokens = document["paths"]["/api/v1/me/tokens"]["post"]["responses"]
    assert {"400", "401", "403", "413", "429"} <= set(tokens)
    assert "Retry-After" in tokens["429"]["headers"]
    markdown = document["paths"]["/papers/{paper_id}.md"]["get"]["responses"]
    assert list(markdown["200"]["content"]) == ["text/markdown"]
    assert list(markdown["404"]["content"]) == ["application/json"]


def test_a_method_a_path_lacks_is_405_with_every_method_it_has(
    contract_site: tuple[Site, str],
) -> None:
    url = contract_site[0].url
    me = httpx.request("OPTIONS", f"{url}/api/v1/me")
    assert me.status_code == 405 and me.headers["allow"] == "GET, PATCH"
    # Not a CSRF refusal first: nothing on this path takes PUT.
    feed = httpx.put(f"{url}/feeds/daily.atom")
    assert feed.status_code == 405 and feed.headers["allow"] == "GET"


def test_anonymous_api_changes_are_401_and_bodies_are_typed(
    contract_site: tuple[Site, str],
) -> None:
    site, token = contract_site
    anonymous = httpx.post(f"{site.url}/api/v1/collections", json={"name": "Reading"})
    assert anonymous.status_code == 401 and anonymous.json() == {"error": "log in first"}
    # 0 is no boolean: the document says boolean, and so does the check.
    typed = httpx.post(
        f"{site.url}/api/v1/collections",
        json={"name": "Reading", "public": 0},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert typed.status_code == 400 and "public" in typed.json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/search", "/feeds/search.rss"])
def test_a_count_past_what_the_index_holds_is_400_not_500(
    contract_site: tuple[Site, str], path: str
) -> None:
    # Found by schemathesis: the keyword index's 64-bit range query raised on it.
    answer = httpx.get(f"{contract_site[0].url}{path}", params={"q": "x", "min_upvotes": 2**70})
    assert answer.status_code == 400 and "min_upvotes" in answer.text
