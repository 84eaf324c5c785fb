"""Router of the api concern, mounted by normwatch.service.create_app."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
