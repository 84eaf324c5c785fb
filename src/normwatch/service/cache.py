"""A bounded in-memory cache of whole HTTP responses, with ETags.

Almost everything the server answers to an anonymous ``GET`` is a function of the
catalogue (the knowledge base, the rules and the store's published incidents), the
request's path, query and ``Accept`` header, and today's date (commitments and briefs
default to today). :class:`ResponseCache` is an ASGI middleware that keeps those answers,
keyed on all of these, in a least-recently-used table bounded in bytes, so a page
rendered once is served again without routing, rendering or JSON encoding.

What is never cached:

- anything but ``GET``; any request with an ``Authorization`` header (drafts and the audit
  log are only for token holders, and a token's answer must not reach anyone else);
- any answer other than 200 or 404, any answer with ``Set-Cookie``, ``Cache-Control:
  no-store``, ``no-cache`` or ``private``, or a ``Vary`` on a header other than ``Accept``;
- an answer larger than a quarter of the bound (it is passed through as it comes).

Invalidation: the key carries the store's generation (it changes with every build, import
and publication) and the knowledge-base and rules versions, and the whole table is
dropped whenever the application swaps its catalogue (which it does on every store change,
in this process at once, in other workers within a second), so no answer outlives the data
it was made from. An answer being made while the catalogue is swapped is not kept.

An answer the cache could keep says ``X-Cache: hit`` (served from the table) or ``miss``
(made now); others carry no ``X-Cache``. A cached 200 carries a strong ``ETag`` (a digest of its body); a request whose
``If-None-Match`` names it gets ``304 Not Modified`` without a body.

Configuration: ``NORMWATCH_RESPONSE_CACHE`` is the bound in MiB (default 64, per server process);
``0`` turns the cache off. ``create_app(cache_bytes=…)`` overrides it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MIB = 64
CACHEABLE_STATUS = frozenset({200, 404})
_VARY_OK = frozenset({"accept"})
"""The key holds the Accept header, so answers that vary on it alone can be cached."""
_ENTRY_OVERHEAD = 256
"""Rough bytes of bookkeeping per entry (key tuple, list, ints), so many tiny answers
still count against the bound."""
_NOT_MODIFIED_HEADERS = frozenset({b"etag", b"vary", b"cache-control", b"content-location", b"expires"})


def configured_bytes(setting: Any = None) -> int:
    """The bound in bytes: ``setting`` (bytes) if given, else ``NORMWATCH_RESPONSE_CACHE`` (MiB)."""
    if setting is not None:
        return max(0, int(setting))
    raw = os.environ.get("NORMWATCH_RESPONSE_CACHE", "").strip()
    if not raw:
        return DEFAULT_MIB * 1024 * 1024
    try:
        mib = float(raw)
    except ValueError:
        raise ValueError(f"NORMWATCH_RESPONSE_CACHE: {raw!r} is not a size in MiB (0 turns the cache off)") from None
    return max(0, int(mib * 1024 * 1024))


class CacheStats(BaseModel):
    """What the cache holds and has done since the process started."""

    enabled: bool
    max_bytes: int
    bytes: int
    entries: int
    hits: int
    misses: int
    not_modified: int
    stored: int
    evicted: int
    skipped: int
    """Misses whose answer was not kept (status, headers, size or a catalogue swap)."""
    cleared: int


class _Entry:
    __slots__ = ("body", "headers", "size", "status", "etag")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, etag: bytes | None,
                 key_size: int) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.etag = etag
        self.size = len(body) + sum(len(k) + len(v) for k, v in headers) + key_size + _ENTRY_OVERHEAD


class ResponseLRU:
    """Entries bounded by their total size in bytes; the least recently used go first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 4
        self.bytes = 0
        self.evicted = 0
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[Any, ...]) -> _Entry | None:
        """The entry, now the most recently used; None when absent."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], entry: _Entry) -> bool:
        """Keep ``entry`` (evicting the oldest to make room); False if it is too large."""
        if entry.size > self.max_entry:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self._entries[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes and self._entries:
            _, gone = self._entries.popitem(last=False)
            self.bytes -= gone.size
            self.evicted += 1
        return True

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _keepable(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    if status not in CACHEABLE_STATUS:
        return False
    for key, value in headers:
        name = key.lower()
        if name == b"set-cookie":
            return False
        if name == b"cache-control" and any(
                word.strip() in (b"no-store", b"private", b"no-cache") for word in value.lower().split(b",")):
            return False
        if name == b"vary" and any(
                word.strip().decode("latin-1") not in _VARY_OK for word in value.lower().split(b",")):
            return False
    return True


def _etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison, as RFC 9110 asks for If-None-Match."""
    if if_none_match.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == bare for tag in if_none_match.split(b","))


class ResponseCache:
    """ASGI middleware: serve anonymous GETs from a :class:`ResponseLRU` (see the module).

    ``owner`` is the FastAPI application whose ``state`` holds the catalogue and the store
    generation; the cache puts itself on ``owner.state.response_cache``.
    """

    def __init__(self, app: ASGIApp, owner: Any, max_bytes: int) -> None:
        self.app = app
        self.owner = owner
        self.lru = ResponseLRU(max_bytes)
        self.enabled = max_bytes > 0
        self._catalog: Any = None
        self.hits = self.misses = self.not_modified = self.stored = self.skipped = self.cleared = 0
        owner.state.response_cache = self

    def stats(self) -> CacheStats:
        """Counters and sizes, for tests, benchmarks and operators."""
        return CacheStats(enabled=self.enabled, max_bytes=self.lru.max_bytes, bytes=self.lru.bytes,
                          entries=len(self.lru), hits=self.hits, misses=self.misses,
                          not_modified=self.not_modified, stored=self.stored, evicted=self.lru.evicted,
                          skipped=self.skipped, cleared=self.cleared)

    def clear(self) -> None:
        """Drop every entry (the next request of each kind is rendered again)."""
        self.lru.clear()
        self.cleared += 1

    def _key(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[Any, ...] | None:
        """The key of this request, or None when it must not be cached; drops the table
        when the catalogue was swapped since the last request."""
        state = self.owner.state
        catalog = state.catalog
        if catalog is not self._catalog:
            if self._catalog is not None:
                self.clear()
            self._catalog = catalog
        # a stable sort by name keeps the order of repeated parameters, which can matter
        query = tuple(sorted(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True),
                             key=lambda item: item[0]))
        return (scope.get("scheme", "http"), scope["path"], query, headers.get(b"accept", b"").strip(),
                getattr(state, "catalog_generation", 0), catalog.kb.version, catalog.rules.version,
                dt.date.today().toordinal())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers[name.lower()] = value
        if b"authorization" in headers:
            await self.app(scope, receive, send)
            return
        try:
            key = self._key(scope, headers)
        except Exception:  # an unusable catalogue: let the application answer (and report) it
            key = None
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.lru.get(key)
        if entry is not None:
            self.hits += 1
            await self._answer(entry, headers.get(b"if-none-match"), send, b"hit")
            return
        self.misses += 1
        await self._fill(scope, receive, send, key, headers.get(b"if-none-match"))

    async def _answer(self, entry: _Entry, if_none_match: bytes | None, send: Send, how: bytes) -> None:
        """Send ``entry`` (or 304 when the client holds it); ``X-Cache`` says ``hit`` or ``miss``."""
        if entry.etag is not None and if_none_match is not None and _etag_matches(if_none_match, entry.etag):
            self.not_modified += 1
            kept = [(k, v) for k, v in entry.headers if k.lower() in _NOT_MODIFIED_HEADERS]
            await send({"type": "http.response.start", "status": 304, "headers": [*kept, (b"x-cache", how)]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": entry.status,
                    "headers": [*entry.headers, (b"x-cache", how)]})
        await send({"type": "http.response.body", "body": entry.body})

    async def _fill(self, scope: Scope, receive: Receive, send: Send, key: tuple[Any, ...],
                    if_none_match: bytes | None) -> None:
        """Run the application, holding its answer back until it is complete (so that the
        ETag can go in the headers); an answer that cannot be kept is released as it comes."""
        catalog = self._catalog
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False  # True once the answer is known not to be kept: relay as it comes

        async def capture(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                if not _keepable(int(message["status"]), list(message.get("headers", []))):
                    passing = True
                    await send(message)
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(bytes(message.get("body", b"")))
            size += len(chunks[-1])
            more = bool(message.get("more_body", False))
            if size > self.lru.max_entry:
                passing = True
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": more})
                return
            if not more:
                await self._complete(key, catalog, start, b"".join(chunks), if_none_match, send)

        await self.app(scope, receive, capture)
        if passing or start is None:
            self.skipped += 1

    async def _complete(self, key: tuple[Any, ...], catalog: Any, start: Message, body: bytes,
                        if_none_match: bytes | None, send: Send) -> None:
        status = int(start["status"])
        headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
        etag: bytes | None = None
        if status == 200:
            etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
            headers = [(k, v) for k, v in headers if k.lower() != b"etag"] + [(b"etag", etag)]
        entry = _Entry(status, headers, body, etag, sum(len(str(part)) for part in key))
        # an answer made from a catalogue that was swapped meanwhile is stale: send, don't keep
        if catalog is self.owner.state.catalog and self.lru.put(key, entry):
            self.stored += 1
        else:
            self.skipped += 1
        await self._answer(entry, if_none_match, send, b"miss")
