"""Content negotiation: which of the media types a resource offers the client prefers.

One reading of the ``Accept`` header (RFC 9110, 12.5.1) for the API (JSON or CSV), the web
UI (HTML or its JSON twin) and TAXII (its versioned media types): ranges with ``q``
weights, ``type/*`` and ``*/*``, ``q=0`` as a refusal, and parameters such as TAXII's
``version`` matched when the client names them. Ties go to the server's order.
"""

from __future__ import annotations

from collections.abc import Sequence


def _parse(accept: str) -> list[tuple[str, dict[str, str], float]]:
    ranges = []
    for part in accept.split(","):
        media, *raw = (p.strip() for p in part.split(";"))
        if not media:
            continue
        params: dict[str, str] = {}
        quality = 1.0
        for item in raw:
            key, _, value = item.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            elif key:
                params[key] = value
        ranges.append((media.lower(), params, quality))
    return ranges


def _split(offered: str) -> tuple[str, dict[str, str]]:
    media, *raw = (p.strip() for p in offered.split(";"))
    params = {}
    for item in raw:
        key, _, value = item.partition("=")
        params[key.strip().lower()] = value.strip()
    return media.lower(), params


def _quality(offered: str, ranges: list[tuple[str, dict[str, str], float]]) -> float:
    """The weight the client gives ``offered``: that of its most specific matching range."""
    media, own = _split(offered)
    kind = media.split("/")[0]
    best: tuple[int, float] | None = None
    for pattern, params, quality in ranges:
        if pattern == media:
            if any(own.get(k) != v for k, v in params.items()):
                continue
            rank = 3 + len(params)
        elif pattern == f"{kind}/*":
            rank = 2
        elif pattern == "*/*":
            rank = 1
        else:
            continue
        if best is None or rank > best[0]:
            best = (rank, quality)
    return best[1] if best else 0.0


def preferred(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers, or None when it accepts none of them.

    No ``Accept`` header (or an empty one) accepts anything: the first offered type.
    """
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = _parse(accept)
    scored = [(_quality(item, ranges), -index, item) for index, item in enumerate(offered)]
    quality, _, item = max(scored)
    return item if quality > 0 else None
