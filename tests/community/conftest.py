"""Fixtures of tests/support/community.py: quick password hashing, a real SMTP server
(aiosmtpd) and settings that point at it."""

from tests.support.community import mailbox, quick_hashing, settings

__all__ = ["mailbox", "quick_hashing", "settings"]
