"""The admin settings page: the configuration this process runs with, and a test mail.

Start-up settings come from PAPERWIRE_* variables (docs/config.md); the page shows their
effective values (secrets masked) and where mail would go, and lets an admin send a test
mail to their own address before subscribers depend on it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from paperwire.accounts.mails import AccountMail
from paperwire.config import Settings
from paperwire.mail.accounts import MailError, MailNotConfigured, deliver
from paperwire.web.auth import CurrentViewer
from paperwire.web.context import WebContext, web_context
from paperwire.web.middleware.csrf import csrf_token_for
from paperwire.web.templating import TEMPLATES

Context = Annotated[WebContext, Depends(web_context)]
SECRET_FIELDS = frozenset({"smtp_password", "secret_key", "database_url"})


def effective_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """(variable, value, description) of every setting; secrets and passwords in URLs masked."""
    rows = []
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if value is None:
            shown = "(unset)"
        elif name in SECRET_FIELDS:
            shown = _masked(name, str(value))
        else:
            shown = str(value)
        rows.append((f"PAPERWIRE_{name.upper()}", shown, field.description or ""))
    return rows


def _masked(name: str, value: str) -> str:
    if name == "database_url" and "@" in value and "://" in value:
        scheme, rest = value.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:•••@{host}" if ":" in credentials else value
    return "•••• (set)" if name != "database_url" else value


def _page(request: Request, web: WebContext, current: CurrentViewer, notice: str = "") -> Response:
    response = TEMPLATES.TemplateResponse(
        request,
        "admin/settings.html",
        {
            "title": "Settings of this instance",
            "rows": effective_settings(web.settings),
            "mail_ready": bool(web.settings.smtp_host),
            "admin_email": current.user.email if current.user else "",
            "notice": notice,
            "csrf": csrf_token_for(request, None, web),
        },
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def settings_page(request: Request, web: Context, current: CurrentViewer) -> Response:
    return _page(request, web, current)


def send_test_mail(request: Request, web: Context, current: CurrentViewer) -> Response:
    assert current.user is not None
    text = "This mail shows that paperwire can reach you through its SMTP settings."
    test_mail = AccountMail(
        to=current.user.email,
        subject="paperwire test mail",
        text=text + "\n",
        html=f"<!doctype html><html><body><p>{text}</p></body></html>",
    )
    try:
        deliver(web.settings, test_mail)
    except MailNotConfigured as error:
        return _page(request, web, current, f"Not sent: {error}.")
    except MailError as error:
        return _page(request, web, current, f"Not sent: {error}")
    return _page(request, web, current, f"Sent a test mail to {current.user.email}.")
