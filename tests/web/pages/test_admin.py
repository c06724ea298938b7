"""The admin settings page: admins only, secrets masked, a test mail through real SMTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from paperwire.config import Settings
from paperwire.web.pages.admin import effective_settings
from tests.support.smtp import smtp_sink
from tests.web.pages.test_community import (
    community_site,
    log_in,
    make_user,
    post_form,
    quick_hashing,  # noqa: F401  (fixture)
)


@pytest.mark.usefixtures("quick_hashing")
def test_admins_see_the_settings_masked_and_can_send_a_test_mail(tmp_path: Path) -> None:
    with (
        smtp_sink() as box,
        community_site(
            tmp_path / "data",
            smtp_host="127.0.0.1",
            smtp_port=box.port,
            smtp_security="none",
            smtp_password="hunter2-is-secret",
            secret_key="k" * 32,
        ) as site,
    ):
        make_user(site, "boss", role="admin")
        make_user(site, "reader")
        anonymous = httpx.get(site.url + "/admin/settings")
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
        assert log_in(site, "reader").get("/admin/settings").status_code == 403
        admin = log_in(site, "boss")
        page = admin.get("/admin/settings")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "PAPERWIRE_SMTP_HOST" in page.text and "hunter2" not in page.text
        assert "k" * 32 not in page.text
        sent = post_form(admin, "/admin/settings/test-mail", {}, token_from="/admin/settings")
        assert sent.status_code == 200 and "Sent a test mail to boss@example.org" in sent.text
        assert box.only()["Subject"] == "paperwire test mail"


def test_database_passwords_are_masked() -> None:
    rows = dict(
        (name, value)
        for name, value, _ in effective_settings(
            Settings(database_url="postgresql://paper:pa55word@db.example/paperwire")
        )
    )
    assert rows["PAPERWIRE_DATABASE_URL"] == "postgresql://paper:•••@db.example/paperwire"
    assert rows["PAPERWIRE_SMTP_PASSWORD"] == "(unset)"
