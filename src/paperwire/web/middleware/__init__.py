"""ASGI middleware and request checks: security headers, CSRF, the response cache."""
