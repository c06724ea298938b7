"""Headers every response carries: a Content-Security-Policy, no MIME sniffing, a referrer
that stays on the site and, when the site is served over https, HSTS. A response that sets
one of them itself keeps its own.

The middleware adds them to what the app answers; the handler of unexpected errors
(web/errors.py) answers outside the middleware (Starlette runs it outermost) and adds them
with `add_security_headers` itself, so a 500 carries them too.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages load nothing from elsewhere and run no inline script. Inline *styles* stay allowed:
# KaTeX sizes its glyphs with style attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)
# One year, the subdomains too: what the HSTS preload list asks for (without opting in).
STRICT_TRANSPORT_SECURITY = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def served_over_https(scope: Scope, base_url: str | None) -> bool:
    """Whether browsers reach this site over https: the public URL says so (behind a
    TLS-terminating proxy the request itself may be plain http), or the request was."""
    if base_url is not None and base_url.lower().startswith("https://"):
        return True
    return scope.get("scheme") == "https"


def add_security_headers(headers: MutableHeaders, scope: Scope, base_url: str | None) -> None:
    """Set every security header `headers` lacks (HSTS only over https)."""
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    if served_over_https(scope, base_url):
        headers.setdefault(*STRICT_TRANSPORT_SECURITY)


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response that lacks them. `base_url` is
    PAPERWIRE_BASE_URL (it decides HSTS with the request's scheme)."""

    def __init__(self, app: ASGIApp, *, base_url: str | None = None) -> None:
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(MutableHeaders(scope=message), scope, self.base_url)
            await send(message)

        await self.app(scope, receive, send_with_headers)
