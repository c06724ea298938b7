"""The `mail` fixture of tests/support/digest.py: a catalog, an outbox and an SMTP sink."""

from tests.support.digest import mail

__all__ = ["mail"]
