"""Importers for third-party incident datasets: EuRepoC, the CFR tracker, DCID.

These datasets are not shipped (their licences are unconfirmed): each importer reads a
path the user gives. Each maps rows onto Contract-1 incidents with the tables below
(documented in docs/interchange.md) and returns a :class:`MappingReport`: rows loaded,
rows skipped and why, and every value that did not map, with its count. A row is skipped,
never guessed, when it lacks something the contract requires (a start date, an operation
type, a target with a country and a sector). A file that is not the expected dataset
(unreadable, not UTF-8, columns missing) is a :class:`Problem`.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from normwatch.errors import Problem, from_validation_error
from normwatch.interchange.importing import ImportResult, MappingReport
from normwatch.knowledge.countries import is_country
from normwatch.knowledge.load import read_text
from normwatch.knowledge.models import Incident, is_url

# --- shared helpers -------------------------------------------------------------------------

COUNTRY_OVERRIDES = {
    "russia": "RUS", "turkey": "TUR", "iran": "IRN", "iran (islamic republic of)": "IRN",
    "korea (democratic people's republic of)": "PRK", "n korea": "PRK", "north korea": "PRK",
    "s korea": "KOR", "south korea": "KOR", "korea (republic of)": "KOR", "palestine": "PSE",
    "palestine, state of": "PSE", "uk": "GBR", "us": "USA", "usa": "USA", "brunei": "BRN",
    "swaziland": "SWZ", "the philippines": "PHL", "syria": "SYR", "vietnam": "VNM", "laos": "LAO",
    "czech republic": "CZE", "macedonia": "MKD", "ivory coast": "CIV", "cape verde": "CPV",
    "burma": "MMR", "taiwan": "TWN", "venezuela": "VEN", "bolivia": "BOL", "tanzania": "TZA",
    "moldova": "MDA", "congo, the democratic republic of the": "COD", "macao": "MAC",
}


@cache
def country_code(name: str) -> str | None:
    """ISO3 code of a country name as the datasets write it (pycountry plus overrides)."""
    import pycountry

    clean = name.strip().strip('"').strip()
    if not clean:
        return None
    if clean.casefold() in COUNTRY_OVERRIDES:
        return COUNTRY_OVERRIDES[clean.casefold()]
    if "(region)" in clean.casefold():
        return None
    try:
        code = str(pycountry.countries.lookup(clean).alpha_3)
    except LookupError:
        return None
    return code if is_country(code) else None


def _literal(value: str) -> Any:
    """A Python-list string of EuRepoC (``"['Japan']"``), else the plain string."""
    text = value.strip()
    if text.startswith("["):
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return []
    return text


def _flat(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for item in value for s in _flat(item)]
    return [str(value)] if value not in (None, "") else []


def _semi(value: str) -> list[str]:
    return [part.strip() for part in value.split(";")]


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _iso_date(value: str) -> str | None:
    match = _ISO.match(value.strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60].strip("-") or "unnamed"


def _read_rows(
    path: Path, required: Iterable[str]
) -> tuple[list[dict[str, str]], list[Problem]]:
    name = str(path)
    text, problems = read_text(path, "utf-8-sig")
    if text is None:
        return [], problems
    try:
        csv.field_size_limit(10_000_000)
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames or []
        missing = [col for col in required if col not in header]
        if missing:
            return [], [Problem(name, "", missing[0],
                                f"required column is missing ({len(missing)} of the expected columns absent)")]
        rows = [{k: v or "" for k, v in row.items() if isinstance(k, str)} for row in reader]
    except csv.Error as exc:
        return [], [Problem(name, "", "", f"malformed CSV: {exc}")]
    return rows, []


def _finish(
    raws: list[tuple[str, dict[str, Any]]], file: str, report: MappingReport
) -> ImportResult:
    """Validate mapped rows; a row the model rejects is skipped with the field named."""
    result = ImportResult(report=report)
    seen: dict[str, int] = defaultdict(int)
    for label, data in raws:
        seen[data["id"]] += 1
        if seen[data["id"]] > 1:
            data["id"] = f"{data['id']}-{seen[data['id']]}"
        try:
            result.incidents.append(Incident.model_validate(data))
        except ValidationError as exc:
            first = from_validation_error(file, label, exc)[0]
            report.skip(f"invalid after mapping ({first.field or 'record'}: {first.message[:60]})")
    report.loaded = len(result.incidents)
    return result


def _sources(values: Iterable[str], report: MappingReport) -> list[str]:
    urls: list[str] = []
    for value in values:
        for part in re.split(r"\s+", value.strip()):
            part = part.strip().strip("'\"[],")
            if not part:
                continue
            if is_url(part):
                if part not in urls:
                    urls.append(part)
            elif part.startswith("http"):
                report.miss("sources", "malformed URL")
    return urls


# --- EuRepoC ---------------------------------------------------------------------------------

EUREPOC_OPERATIONS: dict[str, str | None] = {
    "Disruption": "disruption",
    "Data theft": "espionage",
    "Data theft & Doxing": "hack-and-leak",
    "Hijacking without Misuse": "pre-positioning",
    "Hijacking with Misuse": None,
    "Ransomware": "ransomware",
}
EUREPOC_SECTORS: dict[str, str | None] = {
    # receiver_category_subcode
    "Government / ministries": "government", "Civil service / administration": "government",
    "Police": "government", "Legislative": "government", "Judiciary": "government",
    "Intelligence agencies": "government", "Military": "military", "Political parties": "political-party",
    "Election infrastructure / related systems": "elections", "Other (e.g., embassies)": "diplomacy",
    "Telecommunications": "telecom", "Energy": "energy", "Defence industry": "defense-industry",
    "Finance": "finance", "Transportation": "transport", "Health": "health", "Chemicals": "chemical",
    "Water": "water", "Food": "food", "Space": "space", "Critical Manufacturing": "industry",
    "Advocacy / activists (e.g. human rights organizations)": "civil-society",
    "Political opposition / dissidents / expats": "civil-society", "Religious": "civil-society",
    "Ethnic": "civil-society", "Other social groups": "civil-society",
    "Terrorist": None, "Criminal": None, "Hacktivist": None,
    # receiver_category (used when there is no subcode)
    "State institutions / political system": "government",
    "Corporate Targets (corporate targets only coded if the respective company is not part of the "
    "critical infrastructure definition)": "industry",
    "Social groups": "civil-society", "Media": "media", "Science": "research",
    "End user(s) / specially protected groups": "individuals",
    "International / supranational organization": "diplomacy",
    "Critical infrastructure": None, "Other": None, "Unknown": None, "Not available": None,
}
EUREPOC_ACTOR_KIND = {
    "State": "state",
    "Non-state actor, state-affiliation suggested": "state-sponsored",
    "Hacktivist(s)": "hacktivist",
    "Criminal(s)": "criminal",
    "Private technology companies / hacking for hire groups without state affiliation / research "
    "entities": "private-company",
}
STATE_LINKED = {"State", "Non-state actor, state-affiliation suggested"}
EUREPOC_ATTRIBUTION_KIND: list[tuple[str, str, str]] = [
    # (text found in attribution_type or attribution_basis, kind, confidence)
    ("indictment / sanctions", "government", "high"),
    ("Domestic legal action", "government", "high"),
    ("Political statement", "government", "medium"),
    ("receiver government", "government", "medium"),
    ("Receiver attributes", "government", "medium"),
    ("Technical report", "industry", "medium"),
    ("IT-security community", "industry", "medium"),
    ("Anonymous statement in media", "media", "low"),
    ("Direct statement in media", "media", "low"),
    ("Media report", "media", "low"),
    ("Media-based", "media", "low"),
    ("Attribution by third-party", "media", "low"),
]
EUREPOC_RESPONSES = {
    "Statement by head of state/head of government": "statement",
    "Statement by other ministers/members of parliament": "statement",
    "Statement by minister of foreign affairs": "statement",
    "Statements by foreign ministers": "statement",
    "Statement by secretary-general or similar": "statement",
    "Declaration of HR": "statement",
    "Awareness raising": "statement",
    "Diplomatic protest notes": "demarche",
    "Economic sanctions": "sanctions",
    "Severance of diplomatic relations": "severed-relations",
}
EUREPOC_COLUMNS = (
    "ID", "name", "description", "start_date", "end_date", "incident_type", "receiver_name",
    "receiver_country", "receiver_category", "receiver_category_subcode", "initiator_name",
    "initiator_country", "initiator_category", "initiator_category_subcode", "data_theft",
    "disruption", "physical_effects_spatial", "political_response_date",
    "political_response_type_subcode", "political_response_country", "political_response_actor",
    "legal_response_date", "legal_response_type_subcode", "legal_response_country",
    "legal_response_actor", "sources_url",
)
ATTRIBUTION_COLUMNS = (
    "incident_ID", "attribution_date", "attribution_type", "attribution_basis", "attributing_actor",
    "attribution_it_company", "attributing_country", "attributed_initiator",
    "attributed_initiator_country", "attributed_initiator_category",
)


def _by_index(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def _eurepoc_targets(row: dict[str, str], report: MappingReport) -> list[dict[str, Any]]:
    countries = _flat(_literal(row["receiver_country"]))
    categories = _literal(row["receiver_category"]) or []
    subcodes = _literal(row["receiver_category_subcode"]) or []
    names = _literal(row["receiver_name"]) or []
    targets: list[dict[str, Any]] = []
    for i, country_name in enumerate(countries):
        code = country_code(country_name)
        if code is None:
            report.miss("receiver_country", country_name)
            continue
        cats = _flat(_by_index(categories, i) if isinstance(categories, list) else [])
        subs_raw = _by_index(subcodes, i) if isinstance(subcodes, list) else None
        subs = subs_raw if isinstance(subs_raw, list) else []
        entity_names = [n for n in _flat(_by_index(names, i) if isinstance(names, list) else [])
                        if n and n not in {"Not available", "Unknown"}]
        entity = ", ".join(entity_names) or None
        sectors: list[str] = []
        for j, cat in enumerate(cats):
            sub = subs[j] if j < len(subs) and isinstance(subs[j], str) and subs[j] else None
            label = sub or cat
            sector = EUREPOC_SECTORS.get(label)
            if sector is None:
                report.miss("receiver_category(_subcode)", label)
                continue
            if sector not in sectors:
                sectors.append(sector)
        for sector in sectors:
            targets.append({"country": code, "sector": sector, **({"entity": entity} if entity else {})})
    return targets


def _attributions(
    rows: list[dict[str, str]], start: str, report: MappingReport
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for row in rows:
        category = row["attributed_initiator_category"].strip()
        if category not in STATE_LINKED:
            continue
        to = country_code(row["attributed_initiator_country"])
        if to is None:
            report.miss("attributed_initiator_country", row["attributed_initiator_country"] or "(empty)")
            continue
        text = f"{row['attribution_type']} {row['attribution_basis']}"
        rule = next(((k, c) for needle, k, c in EUREPOC_ATTRIBUTION_KIND if needle in text), None)
        if rule is None:
            report.miss("attribution_type/basis", row["attribution_type"] or row["attribution_basis"] or "(empty)")
            continue
        kind, confidence = rule
        if "Contested attribution" in text:
            confidence = "low"
        by: list[str] = []
        for name in _semi(row["attributing_country"]):
            code = country_code(name) if name else None
            if code and code not in by:
                by.append(code)
        for name in (*_semi(row["attributing_actor"]), *_semi(row["attribution_it_company"])):
            if name and name not in {"Not available", "Unknown"} and name not in by:
                by.append(name)
        if not by:
            report.miss("attribution", "no attributing party named: by = [EuRepoC]")
            by = ["EuRepoC"]
        item: dict[str, Any] = {"to": to, "by": by, "kind": kind, "confidence": confidence}
        date = _iso_date(row["attribution_date"])
        if date and date >= start:
            item["date"] = date
        if item not in found:
            found.append(item)
    return found


def _eurepoc_actors(row: dict[str, str], attributed: set[str], report: MappingReport) -> list[dict[str, Any]]:
    names = _flat(_literal(row["initiator_name"]))
    categories = _flat(_literal(row["initiator_category"]))
    subcodes = _flat(_literal(row["initiator_category_subcode"]))
    countries = _flat(_literal(row["initiator_country"]))
    actors: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        if name in {"Not available", "Unknown", ""}:
            continue
        category = categories[i] if i < len(categories) else ""
        sub = subcodes[i] if i < len(subcodes) else ""
        kind = EUREPOC_ACTOR_KIND.get(category) or EUREPOC_ACTOR_KIND.get(sub) or "unknown"
        if kind == "state-sponsored":
            group = known_group(name)
            if group is None:
                report.miss("initiator (state-affiliated, not in groups.yaml: kind unknown)", name[:80])
                kind = "unknown"
            else:
                name = group
        actor: dict[str, Any] = {"name": name, "kind": kind}
        code = country_code(countries[i]) if i < len(countries) else None
        if code and kind in {"state", "state-sponsored"} and code in attributed:
            actor["state"] = code
        actors.append(actor)
    return actors


@cache
def _groups_index() -> Any:
    from normwatch.knowledge.load import load_kb

    return load_kb()


def known_group(name: str) -> str | None:
    """The knowledge-base name of a group named in EuRepoC's ``A/B/C (body)`` alias lists."""
    kb = _groups_index()
    for part in re.split(r"[/<>]", name):
        part = re.sub(r"\([^)]*\)?", "", part).strip().strip("\xa0").strip()
        if part and (group := kb.find_group(part)) is not None:
            return str(group.name)
    return None


def _eurepoc_responses(row: dict[str, str], start: str, report: MappingReport) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for prefix in ("political", "legal"):
        kinds = _semi(row[f"{prefix}_response_type_subcode"])
        countries = _semi(row[f"{prefix}_response_country"])
        actors = _semi(row[f"{prefix}_response_actor"])
        dates = _semi(row[f"{prefix}_response_date"])
        for i, label in enumerate(kinds):
            if not label:
                continue
            kind = EUREPOC_RESPONSES.get(label)
            if kind is None:
                report.miss(f"{prefix}_response_type_subcode", label)
                continue
            who = country_code(countries[i]) if i < len(countries) and countries[i] else None
            if who is None and i < len(countries) and countries[i].startswith("EU"):
                who = "EU"
            if who is None and i < len(actors) and actors[i]:
                who = actors[i]
            if who is None:
                report.miss("response", "no responding party")
                continue
            item: dict[str, Any] = {"by": who, "kind": kind}
            date = _iso_date(dates[i]) if i < len(dates) else None
            if date and date >= start:
                item["date"] = date
            if item not in found:
                found.append(item)
    return found


def _eurepoc_effects(row: dict[str, str], types: list[str]) -> dict[str, Any]:
    effects: dict[str, Any] = {}
    theft = row["data_theft"].strip()
    if theft == "none":
        effects["data_stolen"] = False
    elif theft.startswith("For "):
        effects["data_stolen"] = True
    if "Data theft & Doxing" in types:
        effects["data_published"] = True
        effects["data_stolen"] = True
    disruption = row["disruption"].strip()
    if disruption == "none":
        effects["availability"] = "none"
    elif disruption.startswith("Short-term"):
        effects["availability"] = "temporary"
    elif disruption.startswith("Long-term"):
        effects["availability"] = "lasting"
    physical = row["physical_effects_spatial"].strip()
    if physical == "none":
        effects["physical_damage"] = False
    elif physical.startswith(("Local", "Widespread")):
        effects["physical_damage"] = True
    return effects


def import_eurepoc(
    path: Path, attributions: Path | None = None, progress: Callable[[int], None] | None = None
) -> tuple[ImportResult, list[Problem]]:
    """Map EuRepoC's Global Database (and, if given or found beside it, its attribution dataset)."""
    rows, problems = _read_rows(path, EUREPOC_COLUMNS)
    if problems:
        return ImportResult(), problems
    if attributions is None:
        guess = path.with_name(path.name.replace("Global_Database", "Attribution_dataset"))
        attributions = guess if guess != path and guess.is_file() else None
    by_incident: dict[str, list[dict[str, str]]] = defaultdict(list)
    if attributions is not None:
        attr_rows, problems = _read_rows(attributions, ATTRIBUTION_COLUMNS)
        if problems:
            return ImportResult(), problems
        for arow in attr_rows:
            by_incident[arow["incident_ID"].strip()].append(arow)
    report = MappingReport(source=str(path), rows=len(rows))
    raws: list[tuple[str, dict[str, Any]]] = []
    for number, row in enumerate(rows):
        if progress:
            progress(number)
        ident = row["ID"].strip()
        start = _iso_date(row["start_date"])
        if not ident or not row["name"].strip():
            report.skip("no ID or name")
            continue
        if start is None:
            report.skip("no start date")
            continue
        types = [t.strip() for t in row["incident_type"].split(";") if t.strip()]
        operations: list[str] = []
        for label in types:
            op = EUREPOC_OPERATIONS.get(label)
            if op is None:
                report.miss("incident_type", label)
            elif op not in operations:
                operations.append(op)
        if not operations:
            report.skip("no incident_type that maps to an operation")
            continue
        targets = _eurepoc_targets(row, report)
        if not targets:
            report.skip("no receiver with a known country and sector")
            continue
        attrs = _attributions(by_incident.get(ident, []), start, report)
        data: dict[str, Any] = {
            "id": f"eurepoc-{_slug(ident)}", "name": row["name"].strip(), "start": start,
            "operation": operations, "targets": targets,
        }
        end = _iso_date(row["end_date"])
        if end and end >= start:
            data["end"] = end
        elif end:
            report.miss("end_date", "before start_date (dropped)")
        if row["description"].strip():
            data["summary"] = row["description"].strip()
        data["actors"] = _eurepoc_actors(row, {a["to"] for a in attrs}, report)
        data["attributions"] = attrs
        data["effects"] = _eurepoc_effects(row, types)
        data["responses"] = _eurepoc_responses(row, start, report)
        data["sources"] = _sources(_flat(_literal(row["sources_url"])), report)
        raws.append((ident, data))
    return _finish(raws, str(path), report), []


# --- CFR Cyber Operations Tracker -------------------------------------------------------------

CFR_OPERATIONS = {
    "Espionage": "espionage", "Sabotage": "disruption", "Denial of service": "disruption",
    "Data destruction": "destruction", "Financial Theft": "financial-theft", "Defacement": "defacement",
    "Doxing": "hack-and-leak",
}
CFR_SECTORS = {
    "Government": "government", "Private sector": "industry", "Civil society": "civil-society",
    "Military": "military",
}
CFR_COLUMNS = ("Title", "Date", "Affiliations", "Description", "Response", "Victims", "Sponsor",
               "Type", "Category", "Sources_1", "Sources_2", "Sources_3")


DEMONYMS = {
    "American": "USA", "Afghan": "AFG", "Albanian": "ALB", "Armenian": "ARM", "Australian": "AUS",
    "Azerbaijani": "AZE", "Bahraini": "BHR", "Bangladeshi": "BGD", "Belarusian": "BLR", "Brazilian": "BRA",
    "British": "GBR", "Canadian": "CAN", "Chinese": "CHN", "Czech": "CZE", "Danish": "DNK", "Dutch": "NLD",
    "Egyptian": "EGY", "Emirati": "ARE", "Estonian": "EST", "Ethiopian": "ETH", "Finnish": "FIN",
    "French": "FRA", "Georgian": "GEO", "German": "DEU", "Greek": "GRC", "Indian": "IND",
    "Indonesian": "IDN", "Iranian": "IRN", "Iraqi": "IRQ", "Israeli": "ISR", "Italian": "ITA",
    "Japanese": "JPN", "Jordanian": "JOR", "Kazakh": "KAZ", "Kenyan": "KEN", "Kuwaiti": "KWT",
    "Latvian": "LVA", "Lebanese": "LBN", "Lithuanian": "LTU", "Malaysian": "MYS", "Mexican": "MEX",
    "Moroccan": "MAR", "Nigerian": "NGA", "North Korean": "PRK", "Norwegian": "NOR", "Pakistani": "PAK",
    "Palestinian": "PSE", "Philippine": "PHL", "Filipino": "PHL", "Polish": "POL", "Qatari": "QAT",
    "Romanian": "ROU", "Russian": "RUS", "Saudi": "SAU", "Singaporean": "SGP", "South Korean": "KOR",
    "Spanish": "ESP", "Swedish": "SWE", "Swiss": "CHE", "Syrian": "SYR", "Taiwanese": "TWN",
    "Thai": "THA", "Tibetan": "CHN", "Turkish": "TUR", "Ugandan": "UGA", "Ukrainian": "UKR",
    "Uyghur": "CHN", "Venezuelan": "VEN", "Vietnamese": "VNM", "Korean": "KOR",
}
"""Adjectives that name a victim's country in CFR's free-text ``Victims`` column.

"Tibetan" and "Uyghur" are mapped to China, where those communities mostly live; a victim
abroad is then misplaced, a known limit of reading free text (see docs/interchange.md)."""


@cache
def _country_patterns() -> list[tuple[re.Pattern[str], str]]:
    import pycountry

    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value and "," not in value and "(" not in value:
                names[value] = c.alpha_3
    for name, code in COUNTRY_OVERRIDES.items():
        if "(" not in name and "," not in name and len(name) > 3:
            names[name.title()] = code
    names.update({"United States": "USA", "U.S.": "USA", "UK": "GBR", "Britain": "GBR",
                  "South Korea": "KOR", "North Korea": "PRK", "Russia": "RUS", "Iran": "IRN"})
    names.update(DEMONYMS)
    return [(re.compile(r"(?<!\w)" + re.escape(n) + r"(?!\w)"), code)
            for n, code in sorted(names.items(), key=lambda kv: -len(kv[0])) if is_country(code)]


def countries_in(text: str) -> list[str]:
    """ISO3 codes of the country names found in free text, in the order the text names them."""
    first: dict[str, int] = {}
    taken: list[tuple[int, int]] = []
    for pattern, code in _country_patterns():  # longest names first: "South Korea" before "Korea"
        for match in pattern.finditer(text):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue
            taken.append(span)
            first[code] = min(first.get(code, span[0]), span[0])
    return sorted(first, key=lambda code: first[code])


def _sponsors(value: str, report: MappingReport) -> list[str]:
    codes: list[str] = []
    whole = country_code(value)
    parts = [value] if whole else [p.strip() for p in value.split(",")]
    merged: list[str] = []
    for part in parts:
        if merged and part.casefold().startswith(("state of", "republic of")):
            merged[-1] = f"{merged[-1]}, {part}"
        elif part:
            merged.append(part)
    for part in merged:
        code = country_code(part)
        if code is None:
            report.miss("Sponsor", part)
        elif code not in codes:
            codes.append(code)
    return codes


def import_cfr(path: Path, progress: Callable[[int], None] | None = None) -> tuple[ImportResult, list[Problem]]:
    """Map the CFR Cyber Operations Tracker export (raw file, one row per operation)."""
    rows, problems = _read_rows(path, CFR_COLUMNS)
    if problems:
        return ImportResult(), problems
    report = MappingReport(source=str(path), rows=len(rows))
    raws: list[tuple[str, dict[str, Any]]] = []
    for number, row in enumerate(rows):
        if progress:
            progress(number)
        title = row["Title"].strip()
        match = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", row["Date"].strip())
        if not title or not match:
            report.skip("no title or no M/D/YYYY date")
            continue
        try:
            start = dt.date(int(match[3]), int(match[1]), int(match[2])).isoformat()
        except ValueError:
            report.skip("no title or no M/D/YYYY date")
            continue
        op = CFR_OPERATIONS.get(row["Type"].strip())
        if op is None:
            report.miss("Type", row["Type"].strip()[:60] or "(empty)")
            report.skip("Type does not map (shifted or empty columns)")
            continue
        victims = row["Victims"].strip()
        countries = countries_in(victims)
        sectors: list[str] = []
        for cat in (c.strip() for c in row["Category"].split(",")):
            sector = CFR_SECTORS.get(cat)
            if sector is None:
                report.miss("Category", cat or "(empty)")
            elif sector not in sectors:
                sectors.append(sector)
        if not countries:
            report.skip("no victim country named in Victims")
            continue
        if not sectors:
            report.skip("no Category that maps to a sector")
            continue
        targets = [{"country": c, "sector": s} for c in countries for s in sectors]
        attributions = [
            {"to": code, "by": ["Council on Foreign Relations"], "kind": "academic", "confidence": "low"}
            for code in _sponsors(row["Sponsor"], report)
        ]
        response = row["Response"].strip()
        if response:
            report.miss("Response", "no responding party given (not imported)")
        data: dict[str, Any] = {
            "id": f"cfr-{_slug(title)}-{start[:4]}", "name": title, "start": start, "operation": [op],
            "targets": targets, "attributions": attributions,
            "sources": _sources([row["Sources_1"], row["Sources_2"], row["Sources_3"], response], report),
        }
        if row["Description"].strip():
            data["summary"] = row["Description"].strip()
        raws.append((title[:60], data))
    return _finish(raws, str(path), report), []


# --- DCID ---------------------------------------------------------------------------------------

DCID_OBJECTIVE = {"1": "disruption", "2": "espionage", "3": "espionage", "4": "disruption"}
DCID_METHOD = {"1": "defacement", "2": "disruption"}
DCID_TARGET = {"1": "industry", "2": "government", "3": "military"}
DCID_COLUMNS = ("Cyberincidentnum", "Dyadpair", "StateA", "StateB", "Name", "interactionstartdate",
                "interactionenddate", "method", "targettype", "initiator", "cyber_objective",
                "information_operation", "Supply Ch", "Ransomware", "Political Objective")


def _code(value: str) -> str:
    text = value.strip()
    return text[:-2] if text.endswith(".0") else text


def import_dcid(path: Path, progress: Callable[[int], None] | None = None) -> tuple[ImportResult, list[Problem]]:
    """Map DCID v2.0 (one row per incident between a rival-state dyad)."""
    rows, problems = _read_rows(path, DCID_COLUMNS)
    if problems:
        return ImportResult(), problems
    report = MappingReport(source=str(path), rows=len(rows))
    raws: list[tuple[str, dict[str, Any]]] = []
    for number, row in enumerate(rows):
        if progress:
            progress(number)
        num = _code(row["Cyberincidentnum"])
        start = _iso_date(row["interactionstartdate"])
        if not num or start is None or not row["Name"].strip():
            report.skip("no number, name or start date")
            continue
        a, b = country_code(row["StateA"]), country_code(row["StateB"])
        for label, value, code in (("StateA", row["StateA"], a), ("StateB", row["StateB"], b)):
            if code is None:
                report.miss(label, value)
        initiator, dyad = _code(row["initiator"]), _code(row["Dyadpair"])
        if a is None or b is None or not initiator:
            report.skip("a state of the dyad is not a known country")
            continue
        if dyad.startswith(initiator):
            attacker, victim = a, b
        elif dyad.endswith(initiator):
            attacker, victim = b, a
        else:
            report.skip("initiator is not a member of the dyad")
            continue
        operations: list[str] = []
        objective = DCID_OBJECTIVE.get(_code(row["cyber_objective"]))
        if objective is None:
            report.miss("cyber_objective", row["cyber_objective"] or "(empty)")
        else:
            operations.append(objective)
        method = DCID_METHOD.get(_code(row["method"]))
        if method and method not in operations:
            operations.append(method)
        for column, op in (("Ransomware", "ransomware"), ("Supply Ch", "supply-chain"),
                           ("information_operation", "disinformation")):
            if _code(row[column]) == "1" and op not in operations:
                operations.append(op)
        sector = DCID_TARGET.get(_code(row["targettype"]))
        if not operations:
            report.skip("no cyber_objective that maps to an operation")
            continue
        if sector is None:
            report.miss("targettype", row["targettype"] or "(empty)")
            report.skip("no targettype that maps to a sector")
            continue
        data: dict[str, Any] = {
            "id": f"dcid-{_slug(num)}", "name": row["Name"].strip(), "start": start,
            "operation": operations, "targets": [{"country": victim, "sector": sector}],
            "attributions": [{"to": attacker, "by": ["DCID v2.0 (Maness et al.)"], "kind": "academic",
                              "confidence": "medium"}],
            "sources": _sources([row.get(f"Sources{i}", "") for i in range(1, 6)]
                                + [row.get("Justice", ""), row.get("Cert", ""), row.get("FBI", "")], report),
        }
        end = _iso_date(row["interactionenddate"])
        if end and end >= start:
            data["end"] = end
        elif end:
            report.miss("interactionenddate", "before start (dropped)")
        if row["Political Objective"].strip():
            data["summary"] = row["Political Objective"].strip()
        raws.append((num, data))
    return _finish(raws, str(path), report), []
