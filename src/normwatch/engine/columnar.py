"""Vectorised assessment over a columnar table of incidents (polars + NumPy).

The per-incident engine (:mod:`normwatch.engine.assessment`) is the reference; this module computes
the same facts and verdicts for a whole table at once, for the catalogue at scale and
for what-if runs. Tests check both agree on generated corpora.

A table has one row per incident and these columns (list columns hold strings):
``id, start, operation, sectors, victims, actor_kinds, infrastructure, response_kinds,
attributions`` (list of structs ``to, by, kind, confidence``), and the effect and context
columns ``data_stolen, data_published, data_destroyed, availability, physical_damage,
injuries, deaths, economic_loss_usd, scale, indiscriminate, armed_conflict`` (null where
unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from normwatch.engine.cel import Column
from normwatch.engine.facts import NON_STATE, SCALE_RANK, ClosedWorld, ident
from normwatch.engine.rules import LAW_QUESTIONS, RuleSet, expression
from normwatch.knowledge.countries import country_codes
from normwatch.knowledge.models import OPERATIONS, SECTORS, Incident

VERDICTS = ("not-engaged", "undetermined", "possible", "breach")
ANSWERS = ("no", "undetermined", "possible", "yes")

ATTRIBUTION = pl.Struct({"to": pl.Utf8, "by": pl.List(pl.Utf8), "kind": pl.Utf8, "confidence": pl.Utf8})
SCHEMA: dict[str, Any] = {
    "id": pl.Utf8, "start": pl.Utf8,
    "operation": pl.List(pl.Utf8), "sectors": pl.List(pl.Utf8), "victims": pl.List(pl.Utf8),
    "actor_kinds": pl.List(pl.Utf8), "infrastructure": pl.List(pl.Utf8),
    "response_kinds": pl.List(pl.Utf8), "attributions": pl.List(ATTRIBUTION),
    "data_stolen": pl.Boolean, "data_published": pl.Boolean, "data_destroyed": pl.Boolean,
    "availability": pl.Utf8, "physical_damage": pl.Boolean, "injuries": pl.Int64,
    "deaths": pl.Int64, "economic_loss_usd": pl.Float64, "scale": pl.Utf8,
    "indiscriminate": pl.Boolean, "armed_conflict": pl.Boolean,
}


def frame(incidents: Iterable[Incident]) -> pl.DataFrame:
    """The columnar table of some incidents."""
    rows = []
    for i in incidents:
        fx = i.effects
        rows.append({
            "id": i.id, "start": i.start, "operation": list(i.operation),
            "sectors": [t.sector for t in i.targets], "victims": [t.country for t in i.targets],
            "actor_kinds": [a.kind for a in i.actors], "infrastructure": list(i.infrastructure),
            "response_kinds": [r.kind for r in i.responses],
            "attributions": [
                {"to": a.to, "by": list(a.by), "kind": a.kind, "confidence": a.confidence}
                for a in i.attributions
            ],
            "data_stolen": fx.data_stolen, "data_published": fx.data_published,
            "data_destroyed": fx.data_destroyed, "availability": fx.availability,
            "physical_damage": fx.physical_damage, "injuries": fx.injuries, "deaths": fx.deaths,
            "economic_loss_usd": fx.economic_loss_usd, "scale": fx.scale,
            "indiscriminate": fx.indiscriminate, "armed_conflict": i.context.armed_conflict,
        })
    return pl.DataFrame(rows, schema=SCHEMA)


def read_table(path: Path) -> pl.DataFrame:
    """Read a table written by :func:`frame` from Parquet or JSON lines."""
    if path.suffix in (".jsonl", ".ndjson"):
        return pl.read_ndjson(path, schema=SCHEMA)
    return pl.read_parquet(path)


def _bool(series: pl.Series) -> Column:
    return series.fill_null(False).to_numpy().astype(bool), series.is_not_null().to_numpy()


def _num(series: pl.Series) -> Column:
    return series.cast(pl.Float64).fill_null(0.0).to_numpy(), series.is_not_null().to_numpy()


def _known(values: npt.NDArray[Any]) -> Column:
    return values, np.ones(len(values), dtype=bool)


def _state_confidence(df: pl.DataFrame) -> tuple[npt.NDArray[Any], pl.DataFrame]:
    """Best confidence rank (0-3) per row, with the same rules as responsibility.py."""
    countries = [*country_codes(), "EU"]
    att = (
        df.select(pl.int_range(pl.len()).alias("row"), "attributions")
        .explode("attributions")
        .drop_nulls("attributions")
        .unnest("attributions")
        .with_columns(
            gov=pl.col("kind") == "government",
            high=pl.col("confidence") == "high",
            strong=pl.col("confidence").is_in(["high", "medium"]),
            ind=pl.col("kind").is_in(["industry", "academic"]),
        )
    )
    keys = ["row", "to"]
    flags = att.group_by(keys).agg(
        gov_high=(pl.col("gov") & pl.col("high")).any(),
        gov_strong=(pl.col("gov") & pl.col("strong")).any(),
        ind_high=(pl.col("ind") & pl.col("high")).any(),
        ind_strong=(pl.col("ind") & pl.col("strong")).any(),
    )
    names = att.explode("by")
    n_gov = (
        names.filter(pl.col("gov") & pl.col("strong") & pl.col("by").is_in(countries))
        .group_by(keys).agg(n_gov=pl.col("by").n_unique())
    )
    n_ind = (
        names.filter(pl.col("ind") & pl.col("strong"))
        .group_by(keys).agg(n_ind=pl.col("by").n_unique())
    )
    ranked = (
        flags.join(n_gov, on=keys, how="left").join(n_ind, on=keys, how="left")
        .with_columns(pl.col("n_gov").fill_null(0), pl.col("n_ind").fill_null(0))
        .with_columns(
            rank=pl.when(pl.col("gov_high") | (pl.col("n_gov") >= 2)).then(3)
            .when(pl.col("gov_strong")).then(2)
            .when(pl.col("ind_high") | (pl.col("n_ind") >= 2) | pl.col("ind_strong")).then(2)
            .otherwise(1)
        )
        .with_columns(strong_in_row=(pl.col("rank") >= 2).sum().over("row"))
        .with_columns(
            rank=pl.when(
                (pl.col("rank") >= 2)
                & ((pl.col("strong_in_row") - 1) > 0)
                & ~pl.col("gov_high")
            ).then(pl.min_horizontal(pl.col("rank"), pl.lit(2))).otherwise(pl.col("rank"))
        )
    )
    best = ranked.group_by("row").agg(pl.col("rank").max())
    out = np.zeros(df.height, dtype=float)
    rows = best["row"].to_numpy()
    out[rows] = best["rank"].to_numpy()
    return out, ranked


def _membership(series: pl.Series, vocabulary: tuple[str, ...]) -> dict[str, npt.NDArray[np.bool_]]:
    """For each word, whether each row's list holds it (one pass: a bit mask per row)."""
    bits = {word: 1 << k for k, word in enumerate(vocabulary)}
    masks = (
        series.list.eval(pl.element().replace_strict(bits, default=0, return_dtype=pl.Int64).unique())
        .list.sum()
        .fill_null(0)
        .to_numpy()
    )
    return {word: (masks & bit) != 0 for word, bit in bits.items()}


def base_columns(df: pl.DataFrame) -> dict[str, Column]:
    """Every base fact of :data:`normwatch.engine.facts.BASE_FACTS`, as columns."""
    table: dict[str, Column] = {}
    for op, present in _membership(df["operation"], OPERATIONS).items():
        table[f"op_{ident(op)}"] = _known(present)
    for sector, present in _membership(df["sectors"], SECTORS).items():
        table[f"sector_{ident(sector)}"] = _known(present)
    for name in ("data_stolen", "data_published", "data_destroyed", "physical_damage",
                 "indiscriminate", "armed_conflict"):
        table[name] = _bool(df[name])
    availability = df["availability"]
    known = availability.is_not_null().to_numpy()
    table["availability_disrupted"] = ((availability != "none").fill_null(False).to_numpy(), known)
    table["availability_lasting"] = ((availability == "lasting").fill_null(False).to_numpy(), known)
    for name in ("injuries", "deaths", "economic_loss_usd"):
        table[name] = _num(df[name])
    scale = df["scale"].replace_strict(SCALE_RANK, default=None, return_dtype=pl.Float64)
    table["scale_rank"] = _num(scale)
    table["victim_countries"] = _known(df["victims"].list.unique().list.len().cast(pl.Float64).to_numpy())
    confidence, ranked = _state_confidence(df)
    table["state_confidence"] = _known(confidence)
    kinds = _membership(df["actor_kinds"], ("state", "state-sponsored", *NON_STATE))
    state_actor = kinds["state"] | kinds["state-sponsored"]
    table["state_linked"] = _known(state_actor | (confidence > 0))
    non_state = np.zeros(df.height, dtype=bool)
    for kind in NON_STATE:
        non_state |= kinds[kind]
    table["non_state_actor"] = _known(non_state)
    responses = _membership(df["response_kinds"], ("indictment", "sanctions"))
    legal = responses["indictment"] | responses["sanctions"]
    table["non_state_confidence"] = _known(np.where(non_state, np.where(legal, 3.0, 2.0), 0.0))
    attributed = (
        ranked.group_by("row").agg(pl.col("to").unique().alias("attributed"))
    )
    with_att = (
        df.select(pl.int_range(pl.len()).alias("row"), "victims", "infrastructure")
        .join(attributed, on="row", how="left")
        .with_columns(pl.col("attributed").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))))
    )
    third = (
        with_att["infrastructure"].list.set_difference(with_att["victims"])
        .list.set_difference(with_att["attributed"]).list.len() > 0
    ).to_numpy()
    has_infra = (with_att["infrastructure"].list.len() > 0).to_numpy()
    table["third_state_infrastructure"] = (third, has_infra)
    table["botnet_use"] = (np.zeros(df.height, dtype=bool), np.zeros(df.height, dtype=bool))
    return table


class _Memo:
    """Evaluate each distinct condition once per table: many rules share conditions."""

    def __init__(self, table: dict[str, Column], size: int) -> None:
        self.table, self.size = table, size
        self.done: dict[str, Column] = {}

    def __call__(self, text: str) -> Column:
        if text not in self.done:
            self.done[text] = expression(text).columns(self.table, self.size)
        return self.done[text]


def _any(clauses: Iterable[Any], memo: _Memo) -> Column:
    size = memo.size
    values = np.zeros(size, dtype=bool)
    known = np.ones(size, dtype=bool)
    for clause in clauses:
        cv, ck = memo(clause.when)
        cv = cv.astype(bool)
        # Kleene OR, folded clause by clause.
        true = (values & known) | (cv & ck)
        false = (~values & known) & (~cv & ck)
        values, known = true, true | false
    return values, known


def _and(a: Column, b: Column) -> Column:
    av, ak = a
    bv, bk = b
    av, bv = av.astype(bool), bv.astype(bool)
    false = (ak & ~av) | (bk & ~bv)
    true = ak & av & bk & bv
    return true, true | false


def close_world(df: pl.DataFrame, closed: Iterable[ClosedWorld]) -> pl.DataFrame:
    """``df`` with the closed-world inferences applied to unset effects, row by row, as
    :func:`normwatch.engine.facts.closed_effects` does for one incident."""
    for inference in closed:
        only = pl.lit(list(inference.only), dtype=pl.List(pl.Utf8))
        mask = pl.col("operation").list.set_difference(only).list.len() == 0
        df = df.with_columns([
            pl.when(mask & pl.col(key).is_null()).then(pl.lit(value, dtype=df.schema[key]))
            .otherwise(pl.col(key)).alias(key)
            for key, value in inference.implied().items()
        ])
    return df


def assess_table(
    df: pl.DataFrame, rules: RuleSet, norm_ids: Iterable[str], addresses: Mapping[str, str]
) -> pl.DataFrame:
    """Verdicts (and red line, tolerated espionage, law answers) for every row of ``df``.

    ``addresses`` maps each norm id to ``states`` or ``all-actors`` (its framework's
    addressees). Returns one column per norm holding the verdict, plus ``red_line``,
    ``tolerated_espionage``, ``state_confidence`` and ``law_<question>``.
    """
    size = df.height
    table = base_columns(close_world(df, rules.closed_world))
    for item in rules.derived:
        table[item.name] = expression(item.when).columns(table, size)
    memo = _Memo(table, size)
    line_v, line_k = _any(rules.red_line, memo)
    line = line_v & line_k
    table["red_line"] = _known(line)
    tolerated_v, tolerated_k = memo(rules.tolerated.when)
    out: dict[str, Any] = {
        "id": df["id"],
        "state_confidence": table["state_confidence"][0].astype(int),
        "red_line": line,
        "tolerated_espionage": tolerated_v.astype(bool) & tolerated_k,
    }
    labels = pl.Series(VERDICTS, dtype=pl.Enum(VERDICTS))
    for norm_id in norm_ids:
        rule = rules.norms.get(norm_id)
        if rule is None:
            out[norm_id] = labels.gather(np.ones(size, dtype=np.uint32))
            continue
        default = rules.responsibility[addresses[norm_id]]
        engaged = _any(rule.engaged, memo)
        breach = _and(engaged, memo(rule.breach or default.breach))
        possible = _and(engaged, memo(rule.possible or default.possible))
        code = np.ones(size, dtype=np.uint32)
        code[engaged[1] & ~engaged[0]] = 0
        code[possible[1] & possible[0]] = 2
        code[breach[1] & breach[0]] = 3
        out[norm_id] = labels.gather(code)
    answers = pl.Series(ANSWERS, dtype=pl.Enum(ANSWERS))
    for q in rules.law:
        yes = _any(q.yes_when, memo)
        no = _any(q.no_when, memo)
        possible = _any(q.possible_when, memo)
        code = np.ones(size, dtype=np.uint32)
        code[yes[1] & ~yes[0] & possible[1] & ~possible[0]] = 0
        code[possible[1] & possible[0]] = 2
        code[no[1] & no[0]] = 0
        code[yes[1] & yes[0]] = 3
        out[f"law_{q.id}"] = answers.gather(code)
    return pl.DataFrame(out)


def addresses_of(kb: Any) -> dict[str, str]:
    """Each norm's addressees, from its framework."""
    return {
        norm_id: "all-actors" if "non-state-actors" in kb.framework_of[norm_id].addresses else "states"
        for norm_id in kb.norms
    }


__all__ = ["LAW_QUESTIONS", "SCHEMA", "assess_table", "base_columns", "frame", "read_table"]


def incidents_from_table(df: pl.DataFrame) -> list[Incident]:
    """Incidents rebuilt from a table (targets pair ``victims`` with ``sectors``).

    Names that the table does not keep (actors, responders) get placeholders; every fact
    the rules read survives the round trip.
    """
    incidents = []
    for row in df.iter_rows(named=True):
        effects = {
            key: row[key]
            for key in ("data_stolen", "data_published", "data_destroyed", "availability",
                        "physical_damage", "injuries", "deaths", "economic_loss_usd", "scale",
                        "indiscriminate")
            if row[key] is not None
        }
        context = {} if row["armed_conflict"] is None else {"armed_conflict": row["armed_conflict"]}
        incidents.append(Incident.model_validate({
            "id": row["id"], "name": row["id"], "start": row["start"],
            "operation": row["operation"],
            "targets": [
                {"country": c, "sector": s}
                for c, s in zip(row["victims"], row["sectors"], strict=True)
            ],
            "actors": [
                {"name": f"actor {k}", "kind": kind} for k, kind in enumerate(row["actor_kinds"])
            ],
            "attributions": row["attributions"],
            "infrastructure": row["infrastructure"],
            "responses": [{"by": "XXX", "kind": kind} for kind in row["response_kinds"]],
            "effects": effects, "context": context,
        }))
    return incidents
