"""SmtpMessenger against a real server: one connection reused, reconnecting when it drops."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from paperwire.mail.mime import OutgoingMessage
from paperwire.mail.smtp import FileMessenger, SmtpConfig, SmtpMessenger, data_block
from tests.support.servers import free_port
from tests.support.smtp import SmtpSink, controller, smtp_sink


def message(number: int) -> OutgoingMessage:
    data = (
        f"From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: <m{number}@example.org>\r\n"
        "Subject: hi\r\n\r\n.a line that starts with a dot\r\nbody\r\n"
    ).encode()
    return OutgoingMessage(
        number, f"<m{number}@example.org>", "a@example.org", "b@example.org", data
    )


def test_one_connection_carries_many_messages(tmp_path: Path) -> None:
    with smtp_sink() as sink:
        messenger = SmtpMessenger(SmtpConfig("127.0.0.1", sink.port, "none"))
        deliveries = [messenger.send(message(n)) for n in range(5)]
        connection = messenger._smtp
        messenger.send(message(5))
        assert messenger._smtp is connection  # reused, not reopened
        messenger.close()
    assert [delivery.outcome for delivery in deliveries] == ["sent"] * 5
    assert [m.message_id for m in sink.received] == [f"<m{n}@example.org>" for n in range(6)]
    # Dot-stuffing undone by the server: the body arrives as written.
    assert b"\r\n.a line that starts with a dot\r\n" in sink.received[0].data


def test_a_connection_the_server_dropped_is_reopened(tmp_path: Path) -> None:
    port = free_port()
    first, second = SmtpSink(port), SmtpSink(port)
    server = controller(first)
    server.start()
    messenger = SmtpMessenger(SmtpConfig("127.0.0.1", port, "none"))
    assert messenger.send(message(1)).outcome == "sent"
    server.stop()  # the server goes away (restart, idle timeout)
    server = controller(second)
    server.start()
    try:
        assert messenger.send(message(2)).outcome == "sent"
    finally:
        messenger.close()
        server.stop()
    assert [m.message_id for m in second.received] == ["<m2@example.org>"]


def test_no_server_is_a_temporary_failure() -> None:
    delivery = SmtpMessenger(SmtpConfig("127.0.0.1", free_port(), "none", timeout=2)).send(
        message(1)
    )
    assert delivery.outcome == "temporary" and "connect" in delivery.detail


def test_data_block_stuffs_dots_and_terminates() -> None:
    assert data_block(b"a\r\n.b\r\n..c") == b"a\r\n..b\r\n...c\r\n.\r\n"


def test_file_messenger_writes_eml_files(tmp_path: Path) -> None:
    delivery = FileMessenger(tmp_path / "out").send(message(7))
    assert delivery.outcome == "sent"
    written = Path(delivery.detail)
    assert written.name == "m7@example.org.eml" and written.read_bytes() == message(7).data


class PipeliningSink(SmtpSink):
    """The sink announcing PIPELINING (aiosmtpd reads commands in turn, so it can)."""

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]


def test_a_pipelining_server_gets_commands_in_one_write_and_each_answer_counts() -> None:
    sink = PipeliningSink(free_port())
    sink.fail("b@example.org", "550-rcpt")  # the second message's RCPT is refused
    sink.fail("c@example.org", "451")  # the third's data is put off
    server = controller(sink)
    server.start()
    messenger = SmtpMessenger(SmtpConfig("127.0.0.1", sink.port, "none"))
    try:
        recipients = ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
        deliveries = [
            messenger.send(dataclasses.replace(message(n), recipient=to))
            for n, to in enumerate(recipients)
        ]
        assert messenger._smtp is not None and messenger._smtp.has_extn("pipelining")
    finally:
        messenger.close()
        server.stop()
    assert [d.outcome for d in deliveries] == ["sent", "permanent", "temporary", "sent"]
    assert deliveries[1].bounce and deliveries[1].detail.startswith("RCPT TO: 550")
    # After a refusal the connection is reset and carries the next message.
    assert [m.recipients for m in sink.received] == [["a@example.org"], ["d@example.org"]]
