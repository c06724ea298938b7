"""(filled in by the web issue)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
