"""The key that signs links in mails: the instance's secret key (community/keys.py):
PAPERWIRE_SECRET_KEY, else a random key made once and kept in `data_dir/secret_key`
(mode 0600)."""

from __future__ import annotations

from paperwire.signing import KEY_FILE, secret_key

__all__ = ["KEY_FILE", "secret_key"]
