"""Vectorised assessment over a columnar table of incidents (polars + NumPy).

The per-incident engine (:mod:`normwatch.engine.assessment`) is the reference; this module computes
the same facts and verdicts for a whole table at once, for the catalogue at scale and
for what-if runs. Tests check both agree on generated corpora.

How it stays fast: list columns are flattened once into their elements and row numbers,
words become bits of a 64-bit mask per row (``bitwise_or.at``), attributions are grouped
by integer (row, state) keys with a sort instead of a group-by over strings, and the rules
are evaluated in Kleene logic on packed bit planes (eight rows a byte), each distinct
condition once.

A table has one row per incident and these columns (list columns hold strings):
``id, start, operation, sectors, victims, actor_kinds, infrastructure, response_kinds,
attributions`` (list of structs ``to, by, kind, confidence``), and the effect and context
columns ``data_stolen, data_published, data_destroyed, availability, physical_damage,
injuries, deaths, economic_loss_usd, scale, indiscriminate, armed_conflict`` (null where
unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

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


_OTHER = np.uint64(1 << 63)
"""The bit of a word outside a vocabulary (a table is not validated like a record is)."""


def _flat(series: pl.Series) -> tuple[pl.Series, npt.NDArray[np.int64]]:
    """The elements of a list column in row order, and the row each one came from.

    Working on the flat elements and their row numbers keeps every step a single
    vectorised pass; per-list polars operations (``list.eval``, ``set_difference``) cost
    several times more at a million rows.
    """
    lengths = series.list.len().fill_null(0).to_numpy().astype(np.int64)
    rows = np.repeat(np.arange(len(series), dtype=np.int64), lengths)
    return series.explode(empty_as_null=False, keep_nulls=False), rows


def _bitmasks(series: pl.Series, vocabulary: tuple[str, ...]) -> npt.NDArray[np.uint64]:
    """One 64-bit mask per row: bit k set when the row's list holds ``vocabulary[k]``, and
    the top bit when it holds a word outside the vocabulary."""
    if len(vocabulary) > 63:
        raise ValueError(f"a vocabulary of {len(vocabulary)} words does not fit a 64-bit mask")
    bits = {word: 1 << k for k, word in enumerate(vocabulary)}
    flat, rows = _flat(series)
    values = (
        flat.replace_strict(bits, default=int(_OTHER), return_dtype=pl.UInt64)
        .fill_null(0).to_numpy()
    )
    masks = np.zeros(len(series), dtype=np.uint64)
    np.bitwise_or.at(masks, rows, values)
    return masks


def _mask_of(words: Iterable[str], vocabulary: tuple[str, ...]) -> np.uint64:
    mask = 0
    for word in words:
        mask |= 1 << vocabulary.index(word)
    return np.uint64(mask)


def _membership(series: pl.Series, vocabulary: tuple[str, ...]) -> dict[str, npt.NDArray[np.bool_]]:
    """For each word, whether each row's list holds it (one pass: a bit mask per row)."""
    masks = _bitmasks(series, vocabulary)
    return {word: (masks & np.uint64(1 << k)) != 0 for k, word in enumerate(vocabulary)}


AVAILABILITY = {"none": 0.0, "temporary": 1.0, "lasting": 2.0}
"""Availability as a number (3 for a word outside the vocabulary, as if it were disrupted)."""
_EFFECT_BOOLS = ("data_stolen", "data_published", "data_destroyed", "physical_damage",
                 "indiscriminate")
_EFFECT_NUMBERS = ("injuries", "deaths", "economic_loss_usd")


def _encode_effect(key: str, value: Any) -> float | None:
    """An effect's recorded value in the numeric form :func:`_effects` keeps."""
    if key == "availability":
        return AVAILABILITY.get(value, 3.0)
    if key == "scale":
        rank = SCALE_RANK.get(value)
        return None if rank is None else float(rank)
    return float(value)


def _effects(df: pl.DataFrame) -> dict[str, Column]:
    """Each effect column as numbers with its known mask (booleans as 0/1, availability
    and scale as codes), ready for the closed-world inferences.

    One select computes them all, so polars runs the columns in parallel and the NumPy
    views need no further copy."""
    numeric = [*_EFFECT_BOOLS, *_EFFECT_NUMBERS]
    encoded = [pl.col(name).cast(pl.Float64) for name in numeric] + [
        pl.col("availability").replace_strict(AVAILABILITY, default=3.0, return_dtype=pl.Float64),
        pl.col("scale").replace_strict(SCALE_RANK, default=None, return_dtype=pl.Float64),
    ]
    names = [*numeric, "availability", "scale"]
    frame = df.select(
        *(value.fill_null(0.0).alias(name) for value, name in zip(encoded, names, strict=True)),
        # Known means recorded: replace_strict's default also stands in for a null.
        *(pl.col(name).is_not_null().alias(f"{name}?") for name in names[:-1]),
        encoded[-1].is_not_null().alias("scale?"),
    )
    return {name: (frame[name].to_numpy(), frame[f"{name}?"].to_numpy()) for name in names}


def _close(
    effects: dict[str, Column], operations: npt.NDArray[np.uint64], closed: Iterable[ClosedWorld]
) -> None:
    """Apply the closed-world inferences to the unset effects, in order, as
    :func:`normwatch.engine.facts.closed_effects` does for one incident: an inference
    applies when every recorded operation type is one of its ``only`` list."""
    for inference in closed:
        outside = ~_mask_of(inference.only, OPERATIONS)
        applies = (operations & outside) == 0
        for key, value in inference.implied().items():
            values, known = effects[key]
            encoded = _encode_effect(key, value)
            if encoded is None:
                continue
            fill = applies & ~known
            effects[key] = np.where(fill, encoded, values), known | fill


def _countries(*parts: pl.Series) -> list[npt.NDArray[np.int64]]:
    """Integer codes for strings of several columns, the same string the same code."""
    joined = pl.concat([part.cast(pl.Utf8).fill_null("") for part in parts])
    codes = joined.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    bounds = np.cumsum([0, *(len(part) for part in parts)])
    return [codes[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _unique(keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct keys, sorted, and each key's index among them.

    Keys here start with the row number, so they arrive almost sorted: a stable sort
    (timsort) on them is close to linear, much faster than ``np.unique``'s hashing.
    """
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def _within(keys: npt.NDArray[np.int64], sorted_pool: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each key is in ``sorted_pool`` (sorted ascending)."""
    if len(sorted_pool) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_pool, keys), len(sorted_pool) - 1)
    found: npt.NDArray[np.bool_] = sorted_pool[at] == keys
    return found


class _People(NamedTuple):
    """The facts about who was targeted and who is held responsible, per row."""

    state_confidence: npt.NDArray[np.float64]
    victim_countries: npt.NDArray[np.float64]
    third_state_infrastructure: Column


def _responsibility(df: pl.DataFrame) -> _People:
    """Best confidence rank (0-3) per row, with the same rules as responsibility.py; the
    number of distinct victim states; and whether infrastructure in a state neither victim
    nor attributed was used.

    Attributions are grouped by (row, attributed state) with integer keys, so every
    aggregate is a ``bincount`` or a sort rather than a group-by over strings.
    """
    size = df.height
    att, att_rows = _flat(df["attributions"])
    victims, victim_rows = _flat(df["victims"])
    infra, infra_rows = _flat(df["infrastructure"])
    to_codes, victim_codes, infra_codes = _countries(att.struct.field("to"), victims, infra)
    flags = att.struct.unnest().select(
        gov=(pl.col("kind") == "government").fill_null(False),
        high=(pl.col("confidence") == "high").fill_null(False),
        strong=pl.col("confidence").is_in(["high", "medium"]).fill_null(False),
        ind=pl.col("kind").is_in(["industry", "academic"]).fill_null(False),
    )
    gov, high, strong, ind = (flags[name].to_numpy() for name in ("gov", "high", "strong", "ind"))
    keys, group = _unique((att_rows << 32) | to_codes)
    count = len(keys)

    def any_of(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        return np.bincount(group, weights=flags, minlength=count) > 0

    gov_high, gov_strong, ind_strong = any_of(gov & high), any_of(gov & strong), any_of(ind & strong)
    # Distinct governments (countries or the EU) behind a medium or high government claim.
    names, parent = _flat(att.struct.field("by"))
    claimed = (gov & strong)[parent]
    names, parent = names.filter(claimed), parent[claimed]
    official = names.is_in([*country_codes(), "EU"]).fill_null(False).to_numpy()
    (name_codes,) = _countries(names.filter(official))
    pairs, _ = _unique((group[parent[official]] << 32) | name_codes)
    governments = np.bincount(pairs >> 32, minlength=count)
    rank = np.where(gov_high | (governments >= 2), 3, np.where(gov_strong | ind_strong, 2, 1))
    group_rows = keys >> 32
    strong_in_row = np.bincount(group_rows, weights=rank >= 2, minlength=size)
    # A claim contested by another medium-or-high one is capped at medium unless a
    # government claims it with high confidence.
    contested = (rank >= 2) & (strong_in_row[group_rows] > 1) & ~gov_high
    rank = np.where(contested, np.minimum(rank, 2), rank)
    best = np.zeros(size, dtype=np.float64)
    np.maximum.at(best, group_rows, rank.astype(np.float64))
    victim_keys, _ = _unique((victim_rows << 32) | victim_codes)
    distinct = np.bincount(victim_keys >> 32, minlength=size).astype(np.float64)
    infra_keys = (infra_rows << 32) | infra_codes
    inside = _within(infra_keys, victim_keys) | _within(infra_keys, keys)
    third = np.zeros(size, dtype=bool)
    third[infra_rows[~inside]] = True
    has_infra = np.zeros(size, dtype=bool)
    has_infra[infra_rows] = True
    return _People(best, distinct, (third, has_infra))


def base_columns(df: pl.DataFrame, closed: Iterable[ClosedWorld] = ()) -> dict[str, Column]:
    """Every base fact of :data:`normwatch.engine.facts.BASE_FACTS`, as columns, with the
    closed-world inferences ``closed`` applied to the effects a row leaves unset."""
    table: dict[str, Column] = {}
    operations = _bitmasks(df["operation"], OPERATIONS)
    for k, op in enumerate(OPERATIONS):
        table[f"op_{ident(op)}"] = _known((operations & np.uint64(1 << k)) != 0)
    for sector, present in _membership(df["sectors"], SECTORS).items():
        table[f"sector_{ident(sector)}"] = _known(present)
    effects = _effects(df)
    _close(effects, operations, closed)
    for name in _EFFECT_BOOLS:
        values, known = effects[name]
        table[name] = values != 0, known
    table["armed_conflict"] = _bool(df["armed_conflict"])
    availability, known = effects["availability"]
    table["availability_disrupted"] = (availability != 0) & known, known
    table["availability_lasting"] = (availability == 2) & known, known
    for name in _EFFECT_NUMBERS:
        table[name] = effects[name]
    table["scale_rank"] = effects["scale"]
    people = _responsibility(df)
    confidence = people.state_confidence
    table["victim_countries"] = _known(people.victim_countries)
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
    table["third_state_infrastructure"] = people.third_state_infrastructure
    table["botnet_use"] = (np.zeros(df.height, dtype=bool), np.zeros(df.height, dtype=bool))
    return table


# --- Kleene logic on packed bits ----------------------------------------------------------
#
# A boolean column is two bit planes packed eight rows to a byte (values, known), so each
# Kleene operation touches 1/8 of the memory a boolean array would: a million rows are
# 125 kB, which stays in cache. Numbers stay float arrays (with a packed known plane);
# strings (only ever literals or ternaries of literals) stay scalars or object arrays.

Bits = npt.NDArray[np.uint8]
_ALL = np.uint8(0xFF)
_NONE = np.uint8(0)


class _Value(NamedTuple):
    """One evaluated node: ``kind`` is ``b`` (packed booleans), ``n`` (numbers) or ``o``
    (strings); ``known`` is always a packed plane (or a scalar byte standing for all)."""

    kind: str
    values: Any
    known: Any


class _Packed:
    """Evaluates expressions over a table of facts held as packed bit planes.

    Gives the same answers as :meth:`normwatch.engine.cel.Expression.columns` (the tests
    compare them), and each distinct condition is evaluated once per table: many rules
    share conditions."""

    def __init__(self, table: Mapping[str, Column], size: int) -> None:
        self.size = size
        self.facts: dict[str, _Value] = {name: self.pack(column) for name, column in table.items()}
        self.done: dict[str, tuple[Bits, Bits]] = {}

    def pack(self, column: Column) -> _Value:
        """A column of facts in packed form (booleans packed, numbers kept as floats)."""
        values, known = column
        planes = np.packbits(known)
        if values.dtype == np.bool_:
            return _Value("b", np.packbits(values), planes)
        return _Value("n", values, planes)

    def unpack(self, plane: Any) -> npt.NDArray[np.bool_]:
        """A packed plane (or a scalar byte) as one boolean per row."""
        full = np.broadcast_to(np.asarray(plane, dtype=np.uint8), ((self.size + 7) // 8,))
        return np.unpackbits(full, count=self.size).view(np.bool_)

    def bits(self, values: Any) -> Any:
        """Booleans (an array, or a scalar for every row) as a packed plane."""
        if np.ndim(values) == 0:
            return _ALL if bool(values) else _NONE
        return np.packbits(np.asarray(values, dtype=bool))

    def __call__(self, text: str) -> tuple[Bits, Bits]:
        """Values and known planes of the condition ``text`` (cached)."""
        found = self.done.get(text)
        if found is None:
            value = self.boolean(self.node(expression(text).ast))
            found = self.done[text] = (value.values, value.known)
        return found

    def add(self, name: str, planes: tuple[Any, Any]) -> None:
        """Make a computed boolean fact (a derived fact, the red line) readable by name."""
        self.facts[name] = _Value("b", *planes)

    def boolean(self, item: _Value) -> _Value:
        if item.kind == "b":
            return item
        return _Value("b", self.bits(np.asarray(item.values).astype(bool)), item.known)

    def number(self, item: _Value) -> _Value:
        if item.kind == "b":
            if np.ndim(item.values) == 0:
                return _Value("n", float(item.values == _ALL), item.known)
            return _Value("n", self.unpack(item.values).astype(np.float64), item.known)
        return item

    def node(self, node: Any) -> _Value:  # noqa: C901 - one branch per node kind
        kind = node[0]
        if kind == "lit":
            value = node[1]
            if isinstance(value, bool):
                return _Value("b", _ALL if value else _NONE, _ALL)
            return _Value("o" if isinstance(value, str) else "n", value, _ALL)
        if kind == "ident":
            if node[1] not in self.facts:
                raise KeyError(f"unknown fact {node[1]!r}")
            return self.facts[node[1]]
        if kind == "not":
            item = self.boolean(self.node(node[1]))
            return _Value("b", ~item.values, item.known)
        if kind == "neg":
            item = self.number(self.node(node[1]))
            return _Value("n", -np.asarray(item.values), item.known)
        if kind in ("and", "or"):
            left, right = self.boolean(self.node(node[1])), self.boolean(self.node(node[2]))
            lt, rt = left.values & left.known, right.values & right.known
            lf, rf = ~left.values & left.known, ~right.values & right.known
            true, false = (lt & rt, lf | rf) if kind == "and" else (lt | rt, lf & rf)
            return _Value("b", true, true | false)
        if kind == "cond":
            return self.cond(node)
        return self.binary(node)

    def cond(self, node: Any) -> _Value:
        test = self.boolean(self.node(node[1]))
        a, b = self.node(node[2]), self.node(node[3])
        tv, tk = test.values, test.known
        if a.kind == "b" and b.kind == "b":
            values = (tv & a.values) | (~tv & b.values)
            same = a.known & b.known & ~(a.values ^ b.values)
        else:
            if "o" not in (a.kind, b.kind):
                a, b = self.number(a), self.number(b)
            pick = self.unpack(tv)
            values = np.where(pick, a.values, b.values)
            same = a.known & b.known & self.bits(np.asarray(a.values) == np.asarray(b.values))
        known = (tk & ((tv & a.known) | (~tv & b.known))) | (~tk & same)
        return _Value("o" if "o" in (a.kind, b.kind) else a.kind, values, known)

    def binary(self, node: Any) -> _Value:
        kind, op = node[0], node[1]
        left, right = self.node(node[2]), self.node(node[3])
        known = left.known & right.known
        if kind == "cmp" and left.kind == "b" and right.kind == "b":
            lv, rv = left.values, right.values
            # False < True, as NumPy orders booleans.
            values = {
                "==": ~(lv ^ rv), "!=": lv ^ rv, "<": ~lv & rv, "<=": ~lv | rv,
                ">": lv & ~rv, ">=": lv | ~rv,
            }[op]
            return _Value("b", values, known)
        if "o" not in (left.kind, right.kind):
            left, right = self.number(left), self.number(right)
        lv, rv = left.values, right.values
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "cmp":
                compare: dict[str, Callable[[Any, Any], Any]] = {
                    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                    ">": np.greater, ">=": np.greater_equal,
                }
                return _Value("b", self.bits(compare[op](lv, rv)), known)
            if op == "/":
                result = np.where(np.asarray(rv) != 0, lv / np.where(np.asarray(rv) == 0, 1, rv), np.inf)
            else:
                result = {"+": np.add, "-": np.subtract, "*": np.multiply}[op](lv, rv)
        return _Value("n", result, known)

    def any(self, clauses: Iterable[Any]) -> tuple[Bits, Bits]:
        """Kleene OR of clauses (false when there are none)."""
        true: Any = _NONE
        false: Any = _ALL
        for clause in clauses:
            values, known = self(clause.when)
            true = true | (values & known)
            false = false & (~values & known)
        return true, true | false


def _and(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    """Kleene AND of two packed (values, known) pairs."""
    (av, ak), (bv, bk) = a, b
    true = av & ak & bv & bk
    return true, true | (ak & ~av) | (bk & ~bv)


def assess_table(
    df: pl.DataFrame, rules: RuleSet, norm_ids: Iterable[str], addresses: Mapping[str, str]
) -> pl.DataFrame:
    """Verdicts (and red line, tolerated espionage, law answers) for every row of ``df``.

    ``addresses`` maps each norm id to ``states`` or ``all-actors`` (its framework's
    addressees). Returns one column per norm holding the verdict, plus ``red_line``,
    ``tolerated_espionage``, ``state_confidence`` and ``law_<question>``.
    """
    size = df.height
    facts = _Packed(base_columns(df, rules.closed_world), size)
    for item in rules.derived:
        facts.add(item.name, facts(item.when))
    line_v, line_k = facts.any(rules.red_line)
    line = line_v & line_k
    facts.add("red_line", (line, _ALL))
    tolerated_v, tolerated_k = facts(rules.tolerated.when)
    out: dict[str, Any] = {
        "id": df["id"],
        "state_confidence": facts.facts["state_confidence"].values.astype(int),
        "red_line": facts.unpack(line),
        "tolerated_espionage": facts.unpack(tolerated_v & tolerated_k),
    }
    # Each answer is a code 0-3 (its index in VERDICTS or ANSWERS), built as two bit
    # planes (high and low bit) and unpacked once.
    planes: dict[str, tuple[Any, Any]] = {}
    for norm_id in norm_ids:
        rule = rules.norms.get(norm_id)
        if rule is None:
            planes[norm_id] = (_NONE, _ALL)
            continue
        default = rules.responsibility[addresses[norm_id]]
        engaged = facts.any(rule.engaged)
        breach_v, breach_k = _and(engaged, facts(rule.breach or default.breach))
        possible_v, possible_k = _and(engaged, facts(rule.possible or default.possible))
        breach, possible = breach_v & breach_k, possible_v & possible_k
        not_engaged = engaged[1] & ~engaged[0]
        planes[norm_id] = (breach | possible, breach | (~possible & ~not_engaged))
    verdicts = set(planes)
    for q in rules.law:
        yes_v, yes_k = facts.any(q.yes_when)
        no_v, no_k = facts.any(q.no_when)
        possible_v, possible_k = facts.any(q.possible_when)
        yes, settled_no, possible = yes_v & yes_k, no_v & no_k, possible_v & possible_k
        neither = yes_k & ~yes_v & possible_k & ~possible_v
        planes[f"law_{q.id}"] = (yes | (~settled_no & possible),
                                 yes | (~settled_no & ~possible & ~neither))
    codes = {
        name: (facts.unpack(high).view(np.uint8) << 1) | facts.unpack(low).view(np.uint8)
        for name, (high, low) in planes.items()
    }
    # Codes become labels in one select: polars gathers the columns in parallel, and
    # one Series.gather per column costs several times more.
    labels = pl.lit(pl.Series(VERDICTS, dtype=pl.Enum(VERDICTS)))
    answers = pl.lit(pl.Series(ANSWERS, dtype=pl.Enum(ANSWERS)))
    named = pl.DataFrame(codes).select(
        (labels if name in verdicts else answers).gather(pl.col(name)).alias(name)
        for name in codes
    )
    return pl.DataFrame(out).hstack(named)


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
