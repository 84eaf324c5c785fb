"""API tokens: generation, hashing at rest, scopes.

A token reads ``nw_<key>_<secret>``: ``key`` (12 hex characters) is a public handle used
to find the row, ``secret`` is 32 random bytes (256 bits, URL-safe base64). Only
``HMAC-SHA256(pepper, salt || secret)`` is stored, with a per-token random salt; the
token itself is shown once, when it is created.

Why SHA-256 and not bcrypt/scrypt/argon2: slow password hashes exist to make guessing
*low-entropy* human passwords expensive. A 256-bit random secret cannot be guessed at any
hash speed, so a slow hash would only add milliseconds to every write request without
adding security. The per-token salt makes equal secrets hash differently and defeats
precomputed tables; the pepper, kept outside the database, means a stolen database dump
alone is not even enough to *check* a guess. It is ``NORMWATCH_TOKEN_PEPPER`` when set
(servers sharing one PostgreSQL database must share it), else a random value generated at
first use and kept in ``token-pepper`` in the data folder, readable by its owner only.
Comparison is constant-time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from normwatch.service.paths import data_dir

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
_RANK = {scope: rank for rank, scope in enumerate(SCOPES)}
_FORMAT = re.compile(r"^nw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewToken:
    """A freshly generated token: the plaintext (shown once) and what is stored."""

    plaintext: str
    key: str
    salt: str
    digest: str


@dataclass(frozen=True)
class TokenInfo:
    """Who a valid token belongs to."""

    key: str
    name: str
    scope: Scope


def _pepper() -> bytes:
    configured = os.environ.get("NORMWATCH_TOKEN_PEPPER")
    if configured:
        return configured.encode()
    return _pepper_file(data_dir() / "token-pepper")


@cache
def _pepper_file(path: Path) -> bytes:
    """The pepper kept at ``path``, created (mode 0600, atomically) if missing."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    try:
        os.link(fresh, path)  # fails if another process made one first: theirs wins
    except FileExistsError:
        pass
    finally:
        fresh.unlink(missing_ok=True)
    return path.read_bytes().strip()


def digest(secret: str, salt: str) -> str:
    """HMAC-SHA256 of salt and secret, keyed by the pepper (hex)."""
    return hmac.new(_pepper(), bytes.fromhex(salt) + secret.encode(), hashlib.sha256).hexdigest()


def generate() -> NewToken:
    """A new random token and its stored form."""
    key = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    return NewToken(f"nw_{key}_{secret}", key, salt, digest(secret, salt))


def parse(plaintext: str) -> tuple[str, str] | None:
    """(key, secret) of a well-formed token, else None."""
    found = _FORMAT.match(plaintext.strip())
    return (found.group(1), found.group(2)) if found else None


def matches(secret: str, salt: str, stored: str) -> bool:
    """Whether ``secret`` hashes to ``stored`` (constant-time)."""
    return hmac.compare_digest(digest(secret, salt), stored)


def allows(scope: str, needed: Scope) -> bool:
    """Scopes are ordered: admin includes write, write includes read."""
    return scope in _RANK and _RANK[scope] >= _RANK[needed]


class TokenRefused(Exception):
    """A token that does not allow what was asked: ``status`` is 401 (missing, invalid or
    revoked) or 403 (a scope too low)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def authorize(verify: Callable[[str], TokenInfo | None], secret: str | None, needed: Scope) -> TokenInfo:
    """The owner of ``secret`` if its scope allows ``needed``; :class:`TokenRefused` if not.
    ``verify`` is the store's look-up (``Store.verify_token``). The one check of the API and
    the web forms."""
    if not secret:
        raise TokenRefused(401, "this needs an API token: send `Authorization: Bearer <token>`")
    info = verify(secret)
    if info is None:
        raise TokenRefused(401, "invalid or revoked API token")
    if not allows(info.scope, needed):
        raise TokenRefused(403, f"token {info.name!r} has scope {info.scope!r}; this needs {needed!r}")
    return info
