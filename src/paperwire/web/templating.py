"""The Jinja2 environment shared by pages and errors (autoescaped; filters for cards)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
