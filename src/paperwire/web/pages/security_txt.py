"""/.well-known/security.txt (RFC 9116): where to report a security problem.

Contact comes from PAPERWIRE_SECURITY_CONTACT, else the PAPERWIRE_SMTP_FROM address (the
operator's own mail); with neither, or only the default paperwire@localhost, there is
nobody to tell, and the file is not served (404) rather than served with a false address.
Expires is always about half a year ahead (the RFC wants less than a year), on a day
boundary so the file stays the same all day.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException

from paperwire.config import Settings
from paperwire.web.context import WebContext, web_context

Context = Annotated[WebContext, Depends(web_context)]

EXPIRES_AFTER = dt.timedelta(days=180)
_NOBODY = ("", "localhost")


def contact_uri(settings: Settings) -> str | None:
    """The Contact: URI, or None when no real address is configured."""
    configured = (settings.security_contact or "").strip()
    if configured:
        if configured.startswith(("mailto:", "https://")):
            return configured
        return f"mailto:{configured}"
    address = parseaddr(settings.smtp_from)[1]
    if address.rpartition("@")[2] in _NOBODY:
        return None
    return f"mailto:{address}"


def security_txt_text(settings: Settings, base_url: str, now: dt.datetime) -> str | None:
    contact = contact_uri(settings)
    if contact is None:
        return None
    expires = (
        (now + EXPIRES_AFTER).astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}",
        "Preferred-Languages: en",
        f"Canonical: {base_url.rstrip('/')}/.well-known/security.txt",
    ]
    return "\n".join(lines) + "\n"


def security_txt(request: Request, web: Context) -> Response:
    base_url = web.settings.base_url or str(request.base_url)
    text = security_txt_text(web.settings, base_url, web.catalog.clock.now())
    if text is None:
        raise HTTPException(404, "no security contact is configured (PAPERWIRE_SECURITY_CONTACT)")
    return PlainTextResponse(text)
