"""Seeded generator of synthetic incidents as a columnar table (for benchmarks).

The incidents are random but well-formed: every column of normwatch.engine.columnar.SCHEMA, with
unknown effects left null as real records do.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from normwatch.engine.columnar import SCHEMA
from normwatch.knowledge.models import OPERATIONS, SECTORS

STATES = ["RUS", "CHN", "PRK", "IRN", "USA", "GBR", "FRA", "ISR", "UKR", "DEU", "VNM", "TUR", "IND", "PAK"]
BY = ["USA", "GBR", "AUS", "CAN", "NZL", "EU", "DEU", "FRA", "Mandiant", "Microsoft", "ESET", "Reuters"]
KINDS = ["government", "industry", "academic", "media"]
CONF = ["high", "medium", "low"]
ACTORS = ["state", "state-sponsored", "criminal", "hacktivist", "private-company", "unknown"]
RESPONSES = ["statement", "attribution", "sanctions", "indictment", "expulsion"]


def _maybe(rng: np.random.Generator, n: int, values: list[object], known: float) -> list[object]:
    picks = rng.choice(len(values), size=n)
    mask = rng.random(n) < known
    return [values[p] if m else None for p, m in zip(picks, mask, strict=True)]


def _lists(values: pa.Array, sizes: np.ndarray) -> pa.Array:
    """A list column from flat values and each row's list length (no Python loop)."""
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return pa.LargeListArray.from_arrays(pa.array(offsets), values)


def _words(pool: list[str], picks: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(pool, dtype=object)[picks], type=pa.string())


def generate(n: int, seed: int = 7) -> pl.DataFrame:
    """``n`` synthetic incidents, reproducible for a given seed."""
    rng = np.random.default_rng(seed)
    def pick_lists(
        pool: list[str], low: int, high: int, prob: float = 1.0, sizes: np.ndarray | None = None
    ) -> pl.Series:
        if sizes is None:
            sizes = rng.integers(low, high + 1, size=n)
            sizes = np.where(rng.random(n) < prob, sizes, 0)
        flat = rng.choice(len(pool), size=int(sizes.sum()))
        return pl.Series(_lists(_words(pool, flat), sizes)).cast(pl.List(pl.Utf8))

    att_counts = rng.integers(0, 4, size=n)
    total = int(att_counts.sum())
    to = rng.choice(len(STATES), size=total)
    kind = rng.choice(len(KINDS), size=total, p=[0.4, 0.4, 0.05, 0.15])
    conf = rng.choice(len(CONF), size=total)
    by_n = rng.integers(1, 4, size=total)
    by_flat = rng.choice(len(BY), size=int(by_n.sum()))
    items = pa.StructArray.from_arrays(
        [_words(STATES, to), _lists(_words(BY, by_flat), by_n), _words(KINDS, kind), _words(CONF, conf)],
        names=["to", "by", "kind", "confidence"],
    )
    attributions = _lists(items, att_counts)
    years = rng.integers(2007, 2026, size=n)
    target_counts = rng.integers(1, 4, size=n)
    data = {
        "id": [f"synthetic-{i}" for i in range(n)],
        "start": [f"{y}-{m:02d}" for y, m in zip(years, rng.integers(1, 13, size=n), strict=True)],
        "operation": pick_lists(list(OPERATIONS), 1, 3),
        "sectors": pick_lists(list(SECTORS), 1, 3, sizes=target_counts),
        "victims": pick_lists(STATES, 1, 3, sizes=target_counts),
        "actor_kinds": pick_lists(ACTORS, 0, 2),
        "infrastructure": pick_lists(STATES, 1, 2, prob=0.3),
        "response_kinds": pick_lists(RESPONSES, 0, 2),
        "attributions": pl.Series(attributions).cast(SCHEMA["attributions"]),
        "data_stolen": _maybe(rng, n, [True, False], 0.6),
        "data_published": _maybe(rng, n, [True, False], 0.3),
        "data_destroyed": _maybe(rng, n, [True, False], 0.3),
        "availability": _maybe(rng, n, ["none", "temporary", "lasting"], 0.4),
        "physical_damage": _maybe(rng, n, [True, False], 0.3),
        "injuries": _maybe(rng, n, [0, 0, 0, 3], 0.2),
        "deaths": _maybe(rng, n, [0, 0, 0, 0, 1], 0.2),
        "economic_loss_usd": _maybe(rng, n, [1e5, 1e7, 1e9], 0.2),
        "scale": _maybe(rng, n, ["targeted", "national", "regional", "global"], 0.7),
        "indiscriminate": _maybe(rng, n, [True, False], 0.3),
        "armed_conflict": _maybe(rng, n, [True, False], 0.4),
    }
    return pl.DataFrame(data, schema=SCHEMA)
