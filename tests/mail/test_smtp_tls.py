"""SMTP over STARTTLS and implicit TLS, against a real aiosmtpd server whose certificates
are made here (trustme): a certificate from the CA in PAPERWIRE_SMTP_CA_FILE delivers, one
from any other CA or for another host name is refused before anything is sent, for account
mails and digests alike."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
import sqlalchemy as sa
import trustme
from aiosmtpd.controller import Controller

from paperwire.accounts.mails import AccountMail
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.digest import schema
from paperwire.mail import accounts as account_mail
from paperwire.mail.smtp import SmtpConfig, SmtpMessenger
from tests.support.digest import MONDAY_8AM, Mail
from tests.support.factories import paper, settings_for, subscriptions
from tests.support.servers import free_port
from tests.support.smtp import SmtpSink

Security = Literal["starttls", "tls"]
HELLO = AccountMail(to="ada@example.org", subject="Hello", text="Hello\n", html="<p>Hello</p>")


@dataclass
class Certificates:
    ca_file: Path  # the CA PAPERWIRE_SMTP_CA_FILE names
    trusted: trustme.LeafCert  # for 127.0.0.1, from that CA
    untrusted: trustme.LeafCert  # for 127.0.0.1, from a CA nobody trusts
    wrong_host: trustme.LeafCert  # from the trusted CA, for another host name


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    ca, stranger = trustme.CA(), trustme.CA()
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Certificates(
        ca_file=ca_file,
        trusted=ca.issue_cert("127.0.0.1"),
        untrusted=stranger.issue_cert("127.0.0.1"),
        wrong_host=ca.issue_cert("mail.elsewhere.example"),
    )


def _server_context(leaf: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context


@contextmanager
def tls_sink(leaf: trustme.LeafCert, security: Security) -> Iterator[SmtpSink]:
    """An aiosmtpd server on a free port presenting `leaf`: STARTTLS required before any
    mail (port 587 style), or TLS from the first byte (port 465 style)."""
    sink = SmtpSink(free_port())
    context = _server_context(leaf)
    options: dict[str, Any] = (
        {"tls_context": context, "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": context}
    )
    server = Controller(sink, hostname="127.0.0.1", port=sink.port, **options)
    if security == "tls":
        # The controller checks that the server is up by connecting itself: with the CA
        # of this server it can (its default client check would use the server context).
        server.server_hostname = "127.0.0.1"
    server.start()
    try:
        yield sink
    finally:
        server.stop()


def _settings(tmp_path: Path, sink: SmtpSink, security: Security, ca_file: Path | None) -> Settings:
    return settings_for(tmp_path / "data", sink.port, smtp_security=security, smtp_ca_file=ca_file)


# -- the client ------------------------------------------------------------------------


def test_the_ca_file_setting_reaches_the_client(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, smtp_host="mail.example.org", smtp_ca_file="ca.pem")
    assert SmtpConfig.from_settings(settings).ca_file == Path("ca.pem")
    context = SmtpConfig("mail.example.org").tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


# -- account mails ---------------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_account_mail_over_tls_with_the_trusted_ca(
    tmp_path: Path, certificates: Certificates, security: Security
) -> None:
    with tls_sink(certificates.trusted, security) as sink:
        account_mail.deliver(_settings(tmp_path, sink, security, certificates.ca_file), HELLO)
    assert [received.recipients for received in sink.received] == [["ada@example.org"]]
    assert sink.only()["Subject"] == "Hello"


@pytest.mark.parametrize("security", ["starttls", "tls"])
@pytest.mark.parametrize("leaf", ["untrusted", "wrong_host"])
def test_account_mail_refuses_a_certificate_it_cannot_trust(
    tmp_path: Path, certificates: Certificates, security: Security, leaf: str
) -> None:
    with tls_sink(getattr(certificates, leaf), security) as sink:
        settings = _settings(tmp_path, sink, security, certificates.ca_file)
        with pytest.raises(account_mail.MailError, match="CERTIFICATE_VERIFY_FAILED"):
            account_mail.deliver(settings, HELLO)
    assert sink.received == []


def test_the_system_cas_do_not_trust_a_private_ca(
    tmp_path: Path, certificates: Certificates
) -> None:
    with tls_sink(certificates.trusted, "starttls") as sink:
        settings = _settings(tmp_path, sink, "starttls", None)
        with pytest.raises(account_mail.MailError, match="CERTIFICATE_VERIFY_FAILED"):
            account_mail.deliver(settings, HELLO)
    assert sink.received == []


def test_a_refused_certificate_is_a_temporary_failure(
    tmp_path: Path, certificates: Certificates
) -> None:
    # The operator can fix the CA file or the certificate: the digest retries meanwhile.
    with tls_sink(certificates.untrusted, "tls") as sink:
        config = SmtpConfig("127.0.0.1", sink.port, "tls", ca_file=certificates.ca_file)
        messenger = SmtpMessenger(config)
        try:
            message = account_mail.account_message(
                _settings(tmp_path, sink, "tls", certificates.ca_file), HELLO
            )
            delivery = messenger.send(message)
        finally:
            messenger.close()
    assert delivery.outcome == "temporary" and "CERTIFICATE_VERIFY_FAILED" in delivery.detail
    assert sink.received == []


# -- digests ---------------------------------------------------------------------------


@contextmanager
def digest_mail(
    catalog: Catalog,
    tmp_path: Path,
    clock: FakeClock,
    sink: SmtpSink,
    ca_file: Path,
    security: Security,
) -> Iterator[Mail]:
    clock.advance((MONDAY_8AM - clock.now()).total_seconds())
    settings = _settings(tmp_path, sink, security, ca_file)
    mail = Mail(catalog, settings, sink, subscriptions(catalog, settings), clock)
    mail.catalog.upsert([paper(1, MONDAY_8AM.date(), upvotes=3)])
    mail.subs.add("reader@example.org", confirmed=True)
    assert mail.compose() == 1
    yield mail


def _states(catalog: Catalog) -> list[tuple[str, int]]:
    table = schema.outbox
    with catalog.engine.connect() as connection:
        query = sa.select(table.c.state, table.c.attempts).order_by(table.c.id)
        return [(row.state, row.attempts) for row in connection.execute(query)]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_digest_over_tls_with_the_trusted_ca(
    sqlite_catalog: Catalog,
    tmp_path: Path,
    clock: FakeClock,
    certificates: Certificates,
    security: Security,
) -> None:
    with (
        tls_sink(certificates.trusted, security) as sink,
        digest_mail(sqlite_catalog, tmp_path, clock, sink, certificates.ca_file, security) as mail,
    ):
        assert mail.send().counts["sent"] == 1
    assert [received.recipients for received in sink.received] == [["reader@example.org"]]
    assert _states(sqlite_catalog) == [("sent", 1)]


@pytest.mark.parametrize("leaf", ["untrusted", "wrong_host"])
def test_a_digest_is_never_sent_to_a_server_it_cannot_trust(
    sqlite_catalog: Catalog,
    tmp_path: Path,
    clock: FakeClock,
    certificates: Certificates,
    leaf: str,
) -> None:
    with (
        tls_sink(getattr(certificates, leaf), "starttls") as sink,
        digest_mail(
            sqlite_catalog, tmp_path, clock, sink, certificates.ca_file, "starttls"
        ) as mail,
    ):
        report = mail.send()  # retries (temporary) on the fake clock until the deadline
    assert report.counts["sent"] == 0 and report.counts["retry"] >= 1
    assert report.counts["failed"] == 1
    [(state, attempts)] = _states(sqlite_catalog)
    assert state == "failed" and attempts == report.counts["retry"] + 1
    assert sink.received == []
