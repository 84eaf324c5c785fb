"""The server-rendered web UI, mounted at / by normwatch.service.create_app."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
