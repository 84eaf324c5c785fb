"""From the text of a news report or a government statement to a draft incident record.

:func:`draft_from_text` reads a text and returns a :class:`TextDraft`: a Contract 1 draft
(``incident``), the passages of the text behind each field (``evidence``, keyed by field
path, with character offsets into the text) and the questions the text leaves open but
an assessment needs (``questions``). Nothing is learned: the knowledge base and
``data/gazetteer.yaml`` are the gazetteer, and every decision is a rule below.

How the text is read
--------------------

0. **Repair.** Mis-decoded punctuation is put back without moving a character: ``??``
   after a word and before a space is a possessive (``Ukraine?? IT Army``), ``??inked`` is
   ``-linked``, ``??`` between lower-case letters is an apostrophe and a space
   (``journalists??messages``), a lone ``?`` between lower-case letters is a space. Evidence quotes the
   input as given.
1. **Sentences.** The text is cut at ``.``, ``!``, ``?`` followed by a capital, and at line
   breaks; abbreviations (``U.S.``, ``Mr.``, ``Jan.``) do not end a sentence.
2. **Names.** Country names (pycountry, plus the short names of the gazetteer), demonyms
   ("Russian", "North Korean"), capitals used for their governments ("Moscow",
   "the Kremlin"), state bodies ("GRU", "Ministry of State Security"), the knowledge
   base's groups by name and alias (case-insensitive, except the aliases that are common
   words, which must appear as the knowledge base writes them; the gazetteer adds short
   forms such as "Lazarus" and, with their sources, a few groups the knowledge base lacks),
   government bodies that
   attribute ("NCSC", "Department of Justice"), and security firms, research groups and
   outlets. Overlaps go to the longest name ("North Korean" before "Korean"). One-word
   country names and demonyms of five letters or more are also read in lower case
   ("british", "azerbaijan"), except those that are ordinary words (``not_lowercase``);
   plural demonyms ("Sri Lankans") name the people, never the state as actor.
3. **Spans that are not claims**, found with sentence-level cue phrases (gazetteer):

   - *earlier cases*: from a context cue ("similar to", "recalling", "reminiscent of",
     "known for", "previously", "the same group that" …) to the end of its clause (the
     next ``;`` or the sentence end; for a cue right after a comma, the next comma);
     a sentence that opens with "In 2015," (or "Back in …") when the text also speaks of
     a later year is context as a whole;
   - *false flags*: from a false-flag cue ("posing as", "initially claimed by",
     "false flag", "masquerading as" …) to the next correction cue ("but", "however",
     "investigators found", "in fact" …) or the clause end; what follows the correction
     is read normally;
   - *negations*: the few words after "no evidence that", "ruled out", "rather than" …;
   - *denials*: a state followed within a few words by "denied", "rejected the
     accusations" … is a denier in that sentence, never a responsible state.

   Names, sectors, operations, effects and dates inside these spans are ignored.
4. **Roles of a state mention** (the first rule that applies): a state body or a group is
   the actor, unless it follows "against", "targeting" ("a campaign against North Korea's
   Reconnaissance General Bureau"); a government body is an attributor unless an attack
   verb follows ("the NSA hacked"); a country right before a body of its own ("Iran's
   Ministry of Intelligence", "the U.S. Department of Justice") takes the body's role; a
   name followed by a non-state word ("Russian-speaking criminals", "hacktivists", "a German
   hacker"), after "pro-" or "Anonymous", or a nationality's bare "hackers" in the protest
   idiom (defacements, websites, retaliation) is no state at all; a name followed by an
   actor word ("hackers", "state-sponsored", "-linked",
   "military intelligence") or by an attack verb ("China hacked …") is the actor; a name
   after an attacker cue ("attributed to", "linked to", "on behalf of", "blamed",
   "accused", "the threat actor, allegedly the …") is the actor, and so is a name joined to
   an actor by "and" or a comma, in either order; a speaking word after the actor word
   ("Ukraine's intelligence service claims") makes it an attributor instead; a
   name followed by a government word and a verb of saying ("the UK government said",
   "Dutch officials accused") or directly by such a verb is an attributor; everything
   else is a victim, more surely after "in", "against", "targeting" or before a sector or
   target word ("websites", "organizations", up to two words on). Where the text names a
   sure victim, names it only mentions ("the U.S. President", "over Ukraine") are dropped
   unless they stand in a list with a sure one; the responsible state is its own victim
   only where the text says so ("the Bahraini government … Bahraini activists"). A group
   that the knowledge base calls criminal or hacktivist gives no responsible state, and a
   state the text itself gives a group ("the Belarusian threat actor UNC1151") outweighs
   the knowledge base's. When no victim is found, the attributing governments (minus the responsible
   states) are taken as victims with low confidence, since a state mostly speaks about
   operations against itself.
5. **Who attributes, how strongly.** For each responsible state the sentences that make
   it the actor (and the sentence before each, for "It said …") are searched for
   attributors: governments (by ISO3 code, or ``EU``) give ``kind: government`` with
   ``high`` confidence when a strong cue is near (indictment, sanctions, "formally
   attributed", "high confidence", "almost certainly"), ``low`` when hedged ("suspected",
   "likely", "possibly"), else ``medium``; firms give ``industry`` (``medium``, ``low`` when
   hedged); research groups ``academic``; outlets and anonymous sources ("people familiar
   with", "officials who spoke on condition of anonymity") ``media``, ``low``. A state
   named by nobody in particular is a ``media`` claim by ``unattributed report``, ``low``.
   A group's state comes from its strongest knowledge-base link; a group that is not
   state-sponsored gives ``low`` at most.
6. **Sectors, operations, effects** come from the synonym tables of the gazetteer, longest
   match first; words that belong to an actor or attributor phrase ("government-backed",
   "the UK government said") do not count as a victim sector. Weak operation words
   ("hacked", "breached", "phishing") give ``espionage`` only when nothing else names an
   operation. An effect is only ever set to what the text says (never false).
7. **Dates.** Absolute dates ("15 March 2023", "March 2023", "in 2023", ISO dates) are read
   with their precision (Contract 1 partial dates); relative ones ("last week",
   "yesterday", "on Tuesday", "15 March") are resolved by ``dateparser`` against ``on``
   (default: today). ``start`` is the earliest date outside the spans of step 3.

Bad input (empty, binary, undecodable, over :data:`MAX_TEXT_BYTES`) raises
:class:`TextInputError`, an :class:`~normwatch.errors.InputError` with one problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from normwatch.errors import InputError, Problem, from_validation_error
from normwatch.knowledge.countries import country_name, is_country

if TYPE_CHECKING:
    from normwatch.knowledge.load import KnowledgeBase
    from normwatch.knowledge.models import Incident, ThreatActor

MAX_TEXT_BYTES = 1_000_000
"""The largest text read (UTF-8 bytes): a news text or statement is far shorter."""

UNATTRIBUTED = "unattributed report"
"""``by`` of a claim the text makes without naming who makes it."""


# --- results ----------------------------------------------------------------------------------


class Evidence(BaseModel):
    """A passage of the input text behind a field: ``text == input[start:end]``."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    confidence: float = Field(ge=0.0, le=1.0)


class TextDraft(BaseModel):
    """A draft incident read from a text, the evidence for each field, and what is missing.

    ``model_dump(mode="json")`` is exactly ``{"incident": …, "evidence": …, "questions": …}``.
    Evidence keys are Contract 1 field paths: ``start``, ``operation[0]``,
    ``targets[0].country``, ``targets[0].sector``, ``attributions[0].to``,
    ``attributions[0].by``, ``attributions[0].confidence``, ``actors[0].name``,
    ``effects.<key>``, ``responses[0].kind``.
    """

    incident: dict[str, Any]
    evidence: dict[str, list[Evidence]]
    questions: list[str]
    # what was read even where no target could be formed (a country without a sector)
    _victims: list[str] = PrivateAttr(default_factory=list)
    _sectors: list[str] = PrivateAttr(default_factory=list)

    def found(self) -> dict[str, list[str]]:
        """The four fields a reader checks first, read even where the draft could not hold
        them: ``responsible`` states, ``victims`` (countries), ``sectors``, ``operation``."""
        return {
            "responsible": sorted({a["to"] for a in self.incident.get("attributions", [])}),
            "victims": list(self._victims),
            "sectors": list(self._sectors),
            "operation": list(self.incident.get("operation", [])),
        }

    def to_incident(self, source: str = "draft") -> Incident:
        """The draft as a validated :class:`~normwatch.knowledge.models.Incident`; an
        :class:`~normwatch.errors.InputError` naming the fields the text did not give."""
        from normwatch.knowledge.models import Incident

        try:
            return Incident.model_validate(self.incident)
        except ValidationError as exc:
            raise InputError(from_validation_error(source, str(self.incident.get("id", "")), exc)) from None

    def is_complete(self) -> bool:
        """True when the draft already validates as a Contract 1 incident."""
        try:
            self.to_incident()
        except InputError:
            return False
        return True

    def yaml(self) -> str:
        """The draft incident as a YAML document (Contract 1 key order)."""
        import yaml

        return yaml.safe_dump(self.incident, sort_keys=False, allow_unicode=True, width=100)


class TextInputError(InputError):
    """The text cannot be read: empty, binary, not UTF-8, or too large."""


class TextTooLarge(TextInputError):
    """The text is larger than :data:`MAX_TEXT_BYTES`."""


def decode_text(data: bytes, source: str = "text") -> str:
    """``data`` as text, or a :class:`TextInputError` in one line naming ``source``:
    empty, more than :data:`MAX_TEXT_BYTES`, NUL bytes (binary) or not UTF-8."""
    if len(data) > MAX_TEXT_BYTES:
        raise TextTooLarge([Problem(source, "", "", (
            f"the text is larger than {MAX_TEXT_BYTES:,} bytes; give one article or statement"))])
    if b"\x00" in data:
        raise TextInputError([Problem(source, "", "", "this is a binary file (NUL bytes), not a text")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TextInputError([Problem(source, "", "", f"not UTF-8 text (byte {exc.start})")]) from None
    check_text(text, source)
    return text


def check_text(text: str, source: str = "text") -> None:
    """Refuse a text that cannot be drafted from (empty, too large, control bytes)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise TextTooLarge([Problem(source, "", "", f"the text is larger than {MAX_TEXT_BYTES:,} bytes")])
    if "\x00" in text:
        raise TextInputError([Problem(source, "", "", "this is binary data (NUL characters), not a text")])
    if not text.strip():
        raise TextInputError([Problem(source, "", "", "the text is empty")])
    words = re.findall(r"[A-Za-z]{2,}", text[:20_000])
    if not words:
        raise TextInputError([Problem(source, "", "", "the text has no words to read")])


# --- the gazetteer ------------------------------------------------------------------------------


def _phrase(words: str) -> str:
    """A gazetteer phrase as a regular expression: spaces match any space, ``*`` any ending."""
    star = words.endswith("*")
    body = words[:-1] if star else words
    parts = [re.escape(p) for p in body.split()]
    pattern = r"\s+".join(parts)
    return pattern + (r"[\w-]*" if star else "")


def _alternation(phrases: Iterable[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    ordered = sorted({p for p in phrases if p}, key=lambda p: (-len(p), p))
    if not ordered:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![\w])(?:" + "|".join(_phrase(p) for p in ordered) + r")(?![\w])", flags)


# Aliases that are ordinary words, or ordinary words in another case: they are matched
# only as the knowledge base writes them, and some not at all without an upper-case letter.
_COMMON_WORDS = {
    "snake", "mask", "equation", "reaper", "mirage", "cicada", "elfin", "krypton", "newscaster",
    "nickel", "zinc", "mercury", "silicon", "bromine", "bismuth", "phosphorus", "armageddon",
    "callisto group", "tsb", "carr", "the mask", "ugly face", "gref", "waterbug", "cosmic wolf",
    "parisite", "monsoon", "the dukes", "shell crew", "webmasters", "pinkpanther",
}


@dataclass
class _Name:
    kind: str  # country | body | group | gov | industry | academic | media
    value: str  # ISO3, EU, group id, or the attributor's name


@dataclass
class Gazetteer:
    """Compiled lookups for one knowledge base."""

    names_cs: re.Pattern[str]
    names_ci: re.Pattern[str]
    lookup: dict[str, _Name]
    lookup_ci: dict[str, _Name]
    groups: dict[str, ThreatActor]
    cues: dict[str, re.Pattern[str]]
    cue_lists: dict[str, list[str]]
    sectors: dict[str, re.Pattern[str]]
    operations: dict[str, re.Pattern[str]]
    weak_operations: dict[str, re.Pattern[str]]
    effects: dict[str, re.Pattern[str]]
    gov_nouns: re.Pattern[str]


@cache
def _gazetteer_data() -> dict[str, Any]:
    import yaml

    from normwatch.data import shipped

    data = yaml.safe_load(shipped("gazetteer.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


_GAZETTEERS: dict[tuple[str, int], Gazetteer] = {}


def gazetteer(kb: KnowledgeBase) -> Gazetteer:
    """The compiled gazetteer for ``kb`` (built once per knowledge-base version)."""
    key = (kb.version, len(kb.groups))
    found = _GAZETTEERS.get(key)
    if found is None:
        found = _GAZETTEERS[key] = _build(kb)
    return found


def _build(kb: KnowledgeBase) -> Gazetteer:
    import pycountry

    data = _gazetteer_data()
    lookup: dict[str, _Name] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value and "(" not in value and is_country(country.alpha_3):
                lookup[value] = _Name("country", country.alpha_3)
    for section in ("country_names", "demonyms", "capitals"):
        for name, code in data[section].items():
            lookup[str(name)] = _Name("country", str(code))
    for name, code in data["demonyms"].items():
        # the people of a country: "Sri Lankans", "Pakistanis"
        if not str(name).endswith(("s", "ese", "sh", "ch")):
            lookup.setdefault(f"{name}s", _Name("country", str(code)))
    ambiguous = {str(w).casefold() for w in data.get("not_lowercase", [])}
    for name, entry in list(lookup.items()):
        # short descriptions and hurried coders write "british", "azerbaijan", "iranian"
        low = name.casefold()
        if entry.kind == "country" and len(name) >= 5 and name[:1].isupper() and low not in ambiguous \
                and " " not in name.strip():
            lookup.setdefault(low, entry)
    for name, code in data["state_bodies"].items():
        lookup[str(name)] = _Name("body", str(code))
    for entry in data.get("groups_not_in_kb", []):
        # read like a state body: the name alone points at the state
        for name in entry["names"]:
            lookup[str(name)] = _Name("body", str(entry["state"]))
    for name, code in data["government_attributors"].items():
        lookup[str(name)] = _Name("gov", str(code))
    for kind, names in data["vendors"].items():
        for name in names:
            lookup.setdefault(str(name), _Name(str(kind), str(name)))
    lookup_ci: dict[str, _Name] = {}
    groups: dict[str, ThreatActor] = {}
    short = {str(k): str(v) for k, v in (data.get("group_short_names") or {}).items()}
    for group in kb.groups:
        groups[group.id] = group
        spelt = [f"APT {n[3:]}" for n in group.names() if re.fullmatch(r"APT\d+", n)]
        spelt += [f"APT-{n[3:]}" for n in group.names() if re.fullmatch(r"APT\d+", n)]
        spelt += [name for name, gid in short.items() if gid == group.id]
        for name in [*group.names(), *spelt]:
            if name.casefold() in _COMMON_WORDS or len(name) < 3:
                lookup[name] = _Name("group", group.id)
            else:
                key = name.casefold()
                if key in lookup_ci and lookup_ci[key].value != group.id:
                    continue  # an alias shared by two groups names neither (Contract 2)
                lookup_ci[key] = _Name("group", group.id)
    cue_keys = ("anonymous_cues", "attacker_cues", "actor_nouns", "attribution_verbs", "strong_cues",
                "hedge_cues", "denial_cues", "context_cues", "false_flag_cues", "correction_cues",
                "negation_cues")
    cue_lists = {key: [str(c) for c in data[key]] for key in cue_keys}
    cues = {key: _alternation(cue_lists[key]) for key in cue_keys}
    ops = {k: v for k, v in data["operations"].items() if k != "weak"}
    return Gazetteer(
        names_cs=re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in sorted(lookup, key=lambda n: (-len(n), n)))
            + r")(?![\w])"
        ),
        names_ci=re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in sorted(lookup_ci, key=lambda n: (-len(n), n)))
            + r")(?![\w])", re.IGNORECASE,
        ),
        lookup=lookup,
        lookup_ci=lookup_ci,
        groups=groups,
        cues=cues,
        cue_lists=cue_lists,
        sectors={str(k): _alternation(v) for k, v in data["sectors"].items()},
        operations={str(k): _alternation(v) for k, v in ops.items()},
        weak_operations={str(k): _alternation(v) for k, v in data["operations"]["weak"].items()},
        effects={str(k): _alternation(v) for k, v in data["effects"].items()},
        gov_nouns=_alternation(data["government_nouns"]),
    )


# --- reading the text ----------------------------------------------------------------------------

_ABBREVIATIONS = re.compile(
    r"(?:\b(?:U\.S|U\.K|U\.N|E\.U|Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sgt|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct"
    r"|Nov|Dec|No|Inc|Ltd|Corp|Co|vs|etc|e\.g|i\.e|approx)\.)$"
)
_SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n\s*\n|\n")


@dataclass
class _Sentence:
    start: int
    end: int
    excluded: list[tuple[int, int, str]] = field(default_factory=list)


def _sentences(text: str) -> list[_Sentence]:
    cuts = [0]
    for match in _SENTENCE_END.finditer(text):
        head = text[max(0, match.start() - 6): match.start() + 1]
        if match.group().startswith(".") and _ABBREVIATIONS.search(head):
            continue
        cuts.append(match.end())
    cuts.append(len(text))
    found = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            found.append(_Sentence(a, b))
    return found


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    name: _Name
    sentence: int = 0
    role: str = ""  # actor | attributor | denier | victim | ignored
    strength: float = 0.5
    why: str = ""


def _mentions(text: str, gaz: Gazetteer) -> list[_Mention]:
    found: list[_Mention] = []
    for match in gaz.names_cs.finditer(text):
        found.append(_Mention(match.start(), match.end(), match.group(), gaz.lookup[match.group()]))
    for match in gaz.names_ci.finditer(text):
        found.append(_Mention(match.start(), match.end(), match.group(), gaz.lookup_ci[match.group().casefold()]))
    found.sort(key=lambda m: (-(m.end - m.start), m.start))
    kept: list[_Mention] = []
    for m in found:
        if any(m.start < k.end and k.start < m.end for k in kept):
            continue
        kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _clause_end(text: str, start: int, limit: int, after_comma: bool) -> int:
    stops = ",;:—–(" if after_comma else ";—–"
    for i in range(start, limit):
        if text[i] in stops:
            return i
    return limit


def _excluded_spans(text: str, sentences: list[_Sentence], gaz: Gazetteer) -> None:
    """Mark, in each sentence, the spans that are context, false flags or negations."""
    years = [int(y) for y in re.findall(r"\b(19[89]\d|20[0-4]\d)\b", text)]
    latest_year = max(years) if years else None
    for s in sentences:
        body = text[s.start:s.end]
        opener = re.match(r"^(?:Back\s+)?in\s+(?:early\s+|late\s+|mid-)?(?:\w+\s+)?((?:19|20)\d\d)\b", body, re.I)
        if opener and latest_year is not None and int(opener.group(1)) < latest_year - 1:
            s.excluded.append((s.start, s.end, "context"))
            continue
        for match in gaz.cues["context_cues"].finditer(body):
            after_comma = body[: match.start()].rstrip().endswith((",", "(", "—", "–"))
            end = _clause_end(body, match.end(), len(body), after_comma)
            s.excluded.append((s.start + match.start(), s.start + end, "context"))
        for match in gaz.cues["false_flag_cues"].finditer(body):
            rest = body[match.end():]
            stop = gaz.cues["correction_cues"].search(rest)
            end = match.end() + (stop.start() if stop else _clause_end(rest, 0, len(rest), False))
            # "claimed responsibility" looks back at who claimed: the words before it; what
            # it claims (the attack and its victim) is read normally
            lead = match.group().casefold().startswith(("claimed responsibility", "took responsibility"))
            if lead:
                end = match.end()
            begin = max(0, match.start() - 60) if lead else match.start()
            if lead:
                cut = max(body.rfind(",", 0, match.start()), body.rfind(";", 0, match.start()))
                begin = max(begin, cut + 1)
            s.excluded.append((s.start + begin, s.start + end, "false-flag"))
        for match in gaz.cues["negation_cues"].finditer(body):
            rest = body[match.end():]
            window = re.match(r"^(?:\W*\w+){0,6}", rest)
            end = match.end() + (window.end() if window else 0)
            s.excluded.append((s.start + match.start(), s.start + end, "negation"))


def _inside(pos: int, end: int, spans: list[tuple[int, int, str]]) -> str | None:
    for a, b, why in spans:
        if a <= pos and end <= b:
            return why
    return None


_ATTACK_VERBS = re.compile(
    r"^\s+(?:has\s+|have\s+|had\s+|allegedly\s+|reportedly\s+|also\s+|likely\s+|probably\s+)?"
    r"(?:hack(?:ed|s)?|target(?:ed|s)?|attack(?:ed|s)?|breach(?:ed|es)?|compromis(?:ed|es)|launch(?:ed|es)?|"
    r"conduct(?:ed|s)?|carried\s+out|carries\s+out|infiltrat(?:ed|es)|spied|spies\s+on|st[oe]le|steals|"
    r"deployed|used|uses|penetrat(?:ed|es)|hijack(?:ed|s)?|orchestrated|sponsored|ran|waged|mounted|"
    r"deface[sd]?|disrupt(?:ed|s)?|sabotaged|wiped|gain(?:ed|s)?\s+access|broke\s+into|intercepted|"
    r"surveilled|monitored|eavesdropped|exfiltrated|accessed|spied\s+on|infected|downloaded|siphoned)\b", re.I)
_ASIDE = re.compile(
    r"^\s+[-–—(]\s*(?:according\s+to|reportedly|allegedly|officials?\s+(?:say|said)|sources?\s+(?:say|said))"
    r"[^-–—()]{0,70}?\s*[-–—)](?=\s)"
    r"|^\s*,\s*(?:according\s+to|reportedly|allegedly|officials\s+(?:say|said))[^,.;]{0,70},(?=\s)", re.I)
"""An aside right after a name: a dash, bracket or comma pair of attribution words."""
_AGENT_BEFORE = re.compile(
    r"\b(?:hacked|targeted|attacked|compromised|infected|breached|surveilled|spied\s+on|monitored|infiltrated|"
    r"penetrated|carried\s+out|conducted|perpetrated|orchestrated|launched|deployed|used|stolen|exfiltrated)\b"
    r"[^.;:]{0,60}?\bby\s+(?:the\s+)?$", re.I)
"""A hacking verb in the passive and its ``by``: the name after it is the agent."""
_ORIGIN_BEFORE = re.compile(
    r"\b(?:hackers?|actors?|attackers?|groups?|operators?|spies|intruders)\s+of\s+"
    r"(?:likely\s+|probable\s+|apparent\s+|suspected\s+|possible\s+)?$", re.I)
_CHARGED_BEFORE = re.compile(
    r"\b(?:indictments?\s+(?:against|of)|indicted|charged|charges\s+against|sanctioned|sanctions\s+(?:against|on))"
    r"\s+(?:\w+\s+){0,2}$", re.I)
_OFFICERS_AFTER = re.compile(
    r"^\s+(?:[\w-]+\s+){0,2}?(?:officers|officials|agents|spies|intelligence\s+officers|military\s+hackers)\b", re.I)
_HIT_BEFORE = re.compile(
    r"\b(?:against|targeting|targeted|hacked|breached|compromised|infiltrated|penetrated|(?:websites?|networks?|"
    r"accounts?|systems?|servers?|computers?|database)\s+of)\s+(?:the\s+|a\s+|an\s+)?$", re.I)
"""Words before a name that make it the one hit, whatever follows ("against the Israeli intelligence service")."""
_BARE_HACKERS = re.compile(r"^\s+(?:computer\s+)?(?:hackers?|hacker\s+groups?|hacking\s+groups?|hackergroups?|"
                           r"collective|hacking\s+collective|hacking\s+team)\b", re.I)
_PROTEST = re.compile(r"\b(?:defac\w*|hacktivis\w*|Anonymous|in\s+protest|protest\w*|retaliat\w*|payback|revenge|"
                      r"in\s+support\s+of|political\s+messages?|slogans?|websites?|web\s*sites?|web\s*pages?|"
                      r"homepages?)\b", re.I)
"""Words of the protest idiom: hackers named only by their nationality are hacktivists there."""
_BODY_HIT = re.compile(r"\b(?:against|targeting|targeted|inside|into)\s+(?:the\s+)?(?:[\w.]+(?:['’]s)?\s+){0,2}$",
                       re.I)
"""Before a state organ: the organ is hit ("a campaign against North Korea's Reconnaissance General Bureau")."""
_LEGAL_AGAINST = re.compile(
    r"\b(?:indictments?|charges|sanctions|measures|lawsuits?|complaints?|warrants?|cases?)\s+against\s+"
    r"(?:the\s+)?(?:[\w.]+(?:['’]s)?\s+){0,3}$", re.I)
"""Before a name, a legal step against it: an accusation of the one named, not an attack on it."""
_GOVERNMENT_WORD = re.compile(
    r"^(?:['’]s)?\s+(?:government|regime|state|authorities|military|intelligence|army|security\s+services)"
    r"(?![\w-])", re.I)
"""A state word right after a name ("the Salvadoran government."), not a compound ("state-backed")."""
_NON_STATE_AFTER = re.compile(
    r"^(?:['’]s)?(?:-speaking|-language)?\s*(?:[\w-]+\s+){0,2}?(?:hacktivists?|hacktivism|"
    r"(?:cyber)?criminals?|criminal\s+(?:groups?|gangs?|hackers|actors?)|(?:ransomware|cybercrime|criminal)\s+"
    r"(?:gangs?|groups?|operators?|syndicates?|crews?)|cybercrime|patriotic\s+hackers|"
    r"(?:independent|lone)\s+hackers?|hacker(?!s|\s+(?:groups?|teams?|units?|collective|crews?|cells?))|"
    r"(?:hacker|hacking)\s+(?:youths?|enthusiasts?))\b|^-speaking\b", re.I)
_VICTIM_BEFORE = re.compile(
    r"(?:\bin|\binside|\bagainst|\btargeting|\btargeted|\btargets?|\bat|\bon|\bacross|\bwithin|\bof|\bhits?|"
    r"\bstruck|\bvictims?\s+in|\bbased\s+in|\bcompromis(?:ed|es)|\bbreach(?:ed|es)|\binfiltrat(?:ed|es)|"
    r"\battack(?:ed|s)|\bhack(?:ed|s)|\bdeface[sd]?|\bdisrupt(?:ed|s)?|\bspied\s+on|\bspy\s+on)"
    r"\s+(?:the\s+|a\s+|an\s+|several\s+|many\s+|its\s+|various\s+|multiple\s+|numerous\s+|some\s+|"
    r"unnamed\s+|two\s+|three\s+|dozens\s+of\s+)?$", re.I)
_LIST_JOIN = re.compile(r"\s*(?:,|;|and|or|as\s+well\s+as|,\s*and|,\s*or)\s*(?:the\s+|in\s+)?", re.I)
_CONJUNCTION = re.compile(r"^\s*(?:,|and|or|,\s*and|as\s+well\s+as)\s*(?:the\s+)?$", re.I)


def _assign_roles(text: str, sentences: list[_Sentence], mentions: list[_Mention], gaz: Gazetteer) -> None:
    sentence_of = 0
    for m in mentions:
        while sentence_of + 1 < len(sentences) and sentences[sentence_of].end < m.start:
            sentence_of += 1
        m.sentence = sentence_of
    for index, m in enumerate(mentions):
        s = sentences[m.sentence] if sentences else _Sentence(0, len(text))
        why = _inside(m.start, m.end, s.excluded)
        if why:
            m.role, m.why = "ignored", why
            continue
        if m.name.kind in {"industry", "academic", "media"}:
            m.role = "attributor"
            continue
        following = mentions[index + 1] if index + 1 < len(mentions) else None
        if (m.name.kind == "country" and following is not None and following.name.kind in {"gov", "body"}
                and following.name.value == m.name.value
                and re.fullmatch(r"(?:['’]s)?\s*(?:the\s+)?", text[m.end: following.start])):
            # "the U.S. Department of Justice", "Iran's Ministry of Intelligence": one name,
            # read with the body's role
            following_after = text[following.end: min(s.end, following.end + 80)]
            acts = following.name.kind == "body" or _ATTACK_VERBS.match(following_after)
            m.role = "actor" if acts else "attributor"
            ahead = text[max(s.start, following.start - 70): following.start]
            if _BODY_HIT.search(ahead) and not _LEGAL_AGAINST.search(ahead):
                m.role = "victim"
            m.strength = 0.8
            continue
        # an aside between the name and its verb is read through ("The US - according to
        # former officials - targeted …")
        after = _ASIDE.sub(" ", text[m.end: min(s.end, m.end + 140)], count=1)[:80]
        before = text[max(s.start, m.start - 70): m.start]
        after_l = after.casefold()
        denial = gaz.cues["denial_cues"].search(after_l[:45])
        if denial and not re.search(r"[.;]", after_l[: denial.start()]):
            m.role, m.strength = "denier", 0.8
            continue
        if m.name.kind == "gov":
            # an agency that speaks is an attributor; one that hacks is the actor ("the NSA hacked")
            if (_ATTACK_VERBS.match(after) or _AGENT_BEFORE.search(before)) and is_country(m.name.value):
                m.role, m.strength = "actor", 0.8
            else:
                m.role, m.strength = "attributor", 0.8
            continue
        if m.name.kind == "body" and _BODY_HIT.search(before) and not _LEGAL_AGAINST.search(before):
            # "a campaign against North Korea's Reconnaissance General Bureau": the organ is hit
            m.role, m.strength = "victim", 0.8
            continue
        if m.name.kind in {"body", "group"}:
            m.role, m.strength = "actor", 0.9
            continue
        # a country, demonym or capital
        if _NON_STATE_AFTER.match(after) or re.search(r"(?:\bpro-|\bAnonymous\s+|\bAnon\s+|\bLulzSec\s+)$", before):
            # "Russian-speaking criminals", "pro-Iranian hacktivists": people of or for a
            # state, not the state; and not its victim either
            m.role, m.why = "bystander", "non-state"
            continue
        people = m.text.endswith("s") and m.text[:-1] in gaz.lookup and gaz.lookup[m.text[:-1]].kind == "country"
        sentence = text[s.start:s.end]
        if (people or _BARE_HACKERS.match(after)) and _PROTEST.search(sentence) and not _VICTIM_BEFORE.search(before):
            # "Pakistani hackers deface …", "pro-Russian Ukrainians launched …": nationals,
            # not their state, in the protest idiom of defacements and hacktivism
            m.role, m.why = "bystander", "non-state"
            continue
        if people and not _VICTIM_BEFORE.search(before):
            m.role, m.strength = ("victim", 0.5) if not _ATTACK_VERBS.match(after) else ("bystander", 0.5)
            continue
        if _VICTIM_BEFORE.search(before) and re.match(r"^\s+(?:using|used|with|through|via)\b", after, re.I):
            # "organizations in Taiwan using custom backdoors": the tool is the attacker's
            m.role, m.strength = "victim", 0.8
            continue
        if _actor_after(after, gaz) and not _HIT_BEFORE.search(before):
            m.role, m.strength = "actor", 0.8
            continue
        if _ATTACK_VERBS.match(_GOVERNMENT_WORD.sub("", after, count=1)) and not _VICTIM_BEFORE.search(before):
            m.role, m.strength = "actor", 0.7
            continue
        if _AGENT_BEFORE.search(before) and _GOVERNMENT_WORD.match(after):
            # "hacked with a version of Pegasus by the Salvadoran government": the agent
            m.role, m.strength = "actor", 0.8
            continue
        if _ORIGIN_BEFORE.search(before) and re.match(r"^\s+(?:origin|descent)\b", after, re.I):
            # "hackers of Chinese origin attacked …"
            m.role, m.strength = "actor", 0.7
            continue
        if _CHARGED_BEFORE.search(before) and _OFFICERS_AFTER.match(after):
            # "an indictment against four Chinese PLA officers": the state whose officers are
            # charged (its nationals alone are not the state)
            m.role, m.strength = "actor", 0.8
            continue
        cue = _cue_before(before, gaz)
        if cue:
            m.role, m.strength = "actor", 0.75
            continue
        previous = mentions[index - 1] if index else None
        if (previous is not None and previous.sentence == m.sentence and previous.role == "actor"
                and previous.name.kind == "country"
                and _CONJUNCTION.match(text[previous.end: m.start])):
            m.role, m.strength = "actor", previous.strength
            continue
        if _attributor_after(after, gaz) or re.search(r"according\s+to\s+(?:the\s+)?$", before, re.I):
            m.role, m.strength = "attributor", 0.7
            continue
        m.role = "victim"
        m.strength = 0.8 if (_VICTIM_BEFORE.search(before) or _sector_after(after, gaz)) else 0.5
    for index, m in enumerate(mentions[:-1]):
        # "U.S. and Bulgarian authorities disrupted …": the first of a pair shares the second's role
        following = mentions[index + 1]
        if (m.role == "victim" and m.strength < 0.8 and following.role == "actor" and following.sentence == m.sentence
                and m.name.kind == "country" and following.name.kind == "country"
                and re.fullmatch(r"\s*(?:and|,|,\s*and)\s*(?:the\s+)?", text[m.end: following.start], re.I)):
            m.role, m.strength = "actor", following.strength


_SUSPECTED_OF = re.compile(
    r"^(?:['’]s|\?\?)?\s*(?:(?:government|regime|state|authorities|military)\s+)?(?:is|was|are|were|has\s+been|have\s+been)"
    r"\s+(?:\w+\s+)?(?:suspected|accused|believed|alleged|thought|said|reported)\s+(?:of|to)\b"
    r"|^(?:['’]s|\?\?)?\s*(?:(?:government|regime|authorities|military)\s+)?(?:used|using|deployed|hired|contracted|"
    r"ordered|directed)\b|^,\s+(?:using|through|via|with\s+the\s+help\s+of)\s"
    r"|^(?:['’]s|\?\?)?\s*(?:(?:government|regime|state|authorities|military|intelligence)\s+)?(?:is|was|are|were)\s+"
    r"(?:\w+\s+)?(?:responsible|behind)\b", re.I)


_GAP_WORD = (r"(?!(?:and|or|of|in|the|to|for|with|firm|company|vendor|spyware|software|suffered|experienced|faced|"
             r"were|was|are|is|has|had)\s)[\w-]+\s+")
_ACTOR_GAPS = [re.compile(r"^(?:['’]s|\?\?)?\s+(?:" + _GAP_WORD + "){" + str(n) + "}", re.I) for n in range(3)]
"""Zero, one or two words between a name and an actor noun, never across a list or a verb."""
_WORD_GAPS = [re.compile(r"(?:[\w-]+,?\s+){" + str(n) + "}") for n in range(3)]
_SPEAKS = re.compile(
    r"\s*(?:officials?|agenc(?:y|ies)|community|sources|chiefs?|services?)?\s*(?:\([^()]{1,30}\)\s*)?"
    r"(?:has\s+|have\s+|had\s+)?"
    r"(?:said|says|claims?|claimed|stated|reported|warned|believes?|assessed|concluded|found|identified|"
    r"attributed|told|traced|announced|confirmed|accused|blamed)\b", re.I)


def _actor_after(after: str, gaz: Gazetteer) -> bool:
    if _SUSPECTED_OF.match(after):
        return True
    if re.match(r"^-(?:state-|government-)?(?:linked|backed|sponsored|nexus|aligned|affiliated|controlled|directed)\b",
                after, re.I):
        return True
    if re.match(r"^-(?:based|origin)\b", after, re.I):
        # "a Russia-based hacking group" acts; "an Israel-based company" sells or is hit
        return bool(re.match(r"^-\w+\s+(?:[\w-]+\s+){0,2}?(?:hackers?|hacking|threat\s+actors?|actors?|groups?|"
                             r"APTs?|attackers?|spies|operators|cyber\s*spies|espionage)\b", after, re.I))
    # "Russian state-sponsored hackers", "Russia's military intelligence", "China's MSS"
    noun = None
    for gap in range(3):
        # "Chinese computer hackers", "Russia's military intelligence": up to two words between,
        # but not across a list ("Ukrainian defense and intelligence targets")
        match = _ACTOR_GAPS[gap].match(after)
        if match is None:
            break
        noun = gaz.cues["actor_nouns"].match(after, match.end())
        if noun is not None:
            break
    if noun is not None and _SPEAKS.match(after, noun.end()):
        return False  # "Ukraine's intelligence service claims …" speaks about the operation
    if noun is None:
        whole = gaz.cues["actor_nouns"].match(after.lstrip("'’s ").lstrip())
        return whole is not None and not re.match(r"^\s*(?:group|groups|campaign|operation)s?\b", after, re.I)
    head = noun.group().casefold()
    # "the Ukrainian military" is a victim; only "military intelligence/hackers" is an actor
    if head in {"campaign", "operation"} and re.match(
            r"^(?:['’]s)?\s+(?:[\w-]+\s+){0,1}?(?:espionage|cyber[\w-]*|spying|(?:spear-?)?phishing|hacking|malware|"
            r"disinformation|influence|surveillance|intrusion|ddos|sabotage)\s+(?:campaign|operation)", after, re.I):
        return True  # "a Chinese espionage operation", "an Iranian spear-phishing campaign"
    if head in {"military", "campaign", "operation", "group", "groups", "unit"}:
        return bool(re.match(r"^(?:['’]s)?\s+(?:(?!(?:firm|company|vendor|spyware|software)\s)[\w-]+\s+){0,2}?"
                             r"(?:hackers|hacking|intelligence|cyber|group|unit|spies)", after, re.I))
    return True


def _cue_before(before: str, gaz: Gazetteer) -> bool:
    tail = re.sub(r"(?:\b(?:the|a|an|government|governments|state|regime|agencies|agency|services|authorities|"
                  r"intelligence|ministry)\s+(?:of\s+)?)+$", "", before.rstrip() + " ", flags=re.I).rstrip()
    for match in gaz.cues["attacker_cues"].finditer(tail):
        if match.end() >= len(tail) - 1:
            return True
    if re.search(r"\b(?:attribut\w*|traced?|blam\w*|pinned)\s+(?:the\s+|a\s+|an\s+|this\s+)?(?:[\w-]+\s+){0,3}?"
                 r"(?:attacks?|operations?|campaigns?|intrusions?|hacks?|breach|breaches|incidents?|compromises?)\s+"
                 r"(?:to|on)\s+(?:the\s+)?$", before, re.I):
        return True
    if re.search(r"\b(?:threat\s+actors?|actors?|attackers?|hackers|group|perpetrators?|culprits?)\s*,\s+"
                 r"(?:(?:allegedly|reportedly|believed|suspected|thought|confirmed|assessed|likely|probably|possibly|"
                 r"widely\s+believed|said)\s+)?(?:to\s+be\s+)?(?:the\s+)?$", before, re.I):
        return True  # "the threat actor, allegedly the Indonesian government, …"
    if re.search(r"\b(?:identified|named|unmasked|outed)\s+(?:[\w-]+\s+){0,4}?as\s+(?:the\s+|a\s+)?$", before, re.I):
        return True  # "officials identified the unknown actor as the United Arab Emirates"
    return bool(re.search(r"\b(?:hackers|actors|group|attack|operation|campaign|intrusion)s?\s+"
                          r"(?:from|by|in\s+the\s+service\s+of)\s*(?:the\s+)?$", before, re.I))


def _attributor_after(after: str, gaz: Gazetteer) -> bool:
    rest = re.sub(r"^(?:['’]s)?\s*", " ", after)
    noun = re.match(r"^\s*(?:and\s+[A-Z][\w.]+\s+)?(?:[\w-]+\s+){0,2}?", rest)
    probe = rest[noun.end():] if noun else rest
    head = gaz.gov_nouns.match(probe.lstrip())
    if head:
        probe = probe.lstrip()[head.end():]
        verb = re.match(r"^\s*(?:\w+\s+){0,3}?(?:" + gaz.cues["attribution_verbs"].pattern + ")", probe, re.I)
        return verb is not None
    verb = re.match(r"^\s*(?:has\s+|have\s+|had\s+|not\s+|publicly\s+|formally\s+|officially\s+|also\s+|on\s+\w+\s+)?"
                    r"(?:" + gaz.cues["attribution_verbs"].pattern + ")", rest, re.I)
    return verb is not None


def _people_after(after: str) -> bool:
    return bool(re.match(r"^(?:['’]s)?\s+(?:[\w-]+\s+)?(?:activists?|journalists?|dissidents?|reformists?|"
                         r"opposition|citizens|nationals|users|lawyers|human\s+rights|protesters|critics|"
                         r"minorit(?:y|ies)|exiles|diaspora|politicians|students)\b", after, re.I))


_TARGET_NOUNS = re.compile(
    r"(?:websites?|web\s+sites?|organi[sz]ations?|entities|institutions?|targets|interests|networks?|servers?|"
    r"systems?|computers?|users|firms?|companies|businesses|portals?|accounts?|infrastructure|victims)\b", re.I)


def _sector_after(after: str, gaz: Gazetteer) -> bool:
    """A sector or target word right after a name, or after one or two words ("Russian
    locomotive manufacturing website", "Pakistani websites")."""
    probe = re.sub(r"^(?:['’]s)?\s*", "", after)[:60]
    for gap in range(3):
        match = _WORD_GAPS[gap].match(probe)
        if match is None:
            break
        if gap and re.search(r"\b(?:and|or|of|by|to|in|with|is|was|has|had)\s", match.group(), re.I):
            break
        rest = probe[match.end():]
        if _TARGET_NOUNS.match(rest) or any(p.match(rest) for p in gaz.sectors.values()):
            return True
    return False


# --- dates ------------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH_RE = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
             r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)")
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")),
    ("dmy", re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + _MONTH_RE + r")\s*,?\s+((?:19|20)\d\d)\b")),
    ("mdy", re.compile(r"\b(" + _MONTH_RE + r")\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s+((?:19|20)\d\d)\b")),
    ("my", re.compile(r"\b(?:(?:early|late|mid|end\s+of|beginning\s+of)[\s-]+)?(" + _MONTH_RE
                      + r")\s+(?:of\s+)?((?:19|20)\d\d)\b", re.I)),
    ("dm", re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + _MONTH_RE + r")\b(?!\s*,?\s*(?:19|20)\d\d)")),
    ("md", re.compile(r"\b(" + _MONTH_RE + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*,?\s*(?:19|20)\d\d)(?!\d)")),
    ("y", re.compile(r"(?:\b(?:in|since|during|from|by|until|of|early|late|mid|summer|winter|spring|autumn|fall)"
                     r"[\s-]+)((?:19[89]|20[0-4])\d)\b(?![-/]\d)", re.I)),
    ("rel", re.compile(r"\b(?:yesterday|today|last\s+(?:week|month|year|Monday|Tuesday|Wednesday|Thursday|Friday|"
                       r"Saturday|Sunday|night)|(?:earlier\s+)?this\s+(?:week|month|year)|on\s+(?:Monday|Tuesday|"
                       r"Wednesday|Thursday|Friday|Saturday|Sunday)|(?:\d+|two|three|four|five|six|several)\s+"
                       r"(?:days|weeks|months)\s+ago)\b", re.I)),
]


def _month(word: str) -> int:
    key = word.casefold().rstrip(".")
    for name, number in _MONTHS.items():
        if name.startswith(key[:3]) and (key == name or len(key) <= 4):
            return number
    return 0


def _valid(y: int, m: int = 1, d: int = 1) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return 1900 <= y <= 2100


def _dates(text: str, sentences: list[_Sentence], on: dt.date) -> list[tuple[str, Evidence]]:
    """Every date outside the excluded spans: (partial date, evidence)."""
    found: list[tuple[str, Evidence]] = []
    taken: list[tuple[int, int]] = []
    spans = [span for s in sentences for span in s.excluded]
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            a, b = match.span()
            if kind == "y":
                a = match.start(1)
            if any(a < y and x < b for x, y in taken) or _inside(a, b, spans):
                continue
            value, confidence = _date_value(kind, match, on)
            if value is None:
                continue
            taken.append((a, b))
            found.append((value, Evidence(text=text[a:b], start=a, end=b, confidence=confidence)))
    return found


def _date_value(kind: str, match: re.Match[str], on: dt.date) -> tuple[str | None, float]:
    g = match.groups()
    if kind == "iso":
        y, m, d = int(g[0]), int(g[1]), int(g[2])
        return (f"{y:04d}-{m:02d}-{d:02d}" if _valid(y, m, d) else None), 0.9
    if kind == "dmy":
        y, m, d = int(g[2]), _month(g[1]), int(g[0])
        return (f"{y:04d}-{m:02d}-{d:02d}" if m and _valid(y, m, d) else None), 0.9
    if kind == "mdy":
        y, m, d = int(g[2]), _month(g[0]), int(g[1])
        return (f"{y:04d}-{m:02d}-{d:02d}" if m and _valid(y, m, d) else None), 0.9
    if kind == "my":
        y, m = int(g[1]), _month(g[0])
        if m == 5 and g[0] == "may":
            return None, 0.0  # "may 2020" in lower case is the verb
        return (f"{y:04d}-{m:02d}" if m and _valid(y, m) else None), 0.8
    if kind == "y":
        y = int(g[0])
        return (f"{y:04d}" if _valid(y) and y <= on.year else None), 0.6
    if kind in {"dm", "md"} and ("May" == (g[1] if kind == "dm" else g[0]) or kind == "dm" or kind == "md"):
        word = g[1] if kind == "dm" else g[0]
        if word == "may" or (kind == "md" and word.casefold().startswith("may") and word != "May"):
            return None, 0.0
    return _relative(match.group(), on)


def _relative(phrase: str, on: dt.date) -> tuple[str | None, float]:
    import dateparser  # type: ignore[import-untyped]

    base = dt.datetime(on.year, on.month, on.day)
    parsed = dateparser.parse(
        re.sub(r"^on\s+", "", phrase, flags=re.I),
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False},
    )
    if parsed is None:
        return None, 0.0
    low = phrase.casefold()
    if re.search(r"\b(?:last|this)\s+year\b", low):
        return f"{parsed.year:04d}", 0.5
    if re.search(r"\b(?:last|this)\s+month\b|months\s+ago", low):
        return f"{parsed.year:04d}-{parsed.month:02d}", 0.5
    return parsed.date().isoformat(), 0.5


# --- spans of vocabulary -----------------------------------------------------------------------------


def _vocabulary(
    text: str, table: dict[str, re.Pattern[str]], spans: list[tuple[int, int, str]], masked: list[tuple[int, int]]
) -> list[tuple[str, int, int]]:
    """Matches of a synonym table outside the excluded and masked spans, longest first."""
    found: list[tuple[str, int, int]] = []
    for label, pattern in table.items():
        for match in pattern.finditer(text):
            a, b = match.span()
            if _inside(a, b, spans) or any(x <= a and b <= y for x, y in masked):
                continue
            found.append((label, a, b))
    found.sort(key=lambda item: (-(item[2] - item[1]), item[1]))
    kept: list[tuple[str, int, int]] = []
    for item in found:
        if any(item[1] < k[2] and k[1] < item[2] for k in kept):
            continue
        kept.append(item)
    return sorted(kept, key=lambda item: item[1])


def _ev(text: str, a: int, b: int, confidence: float) -> Evidence:
    return Evidence(text=text[a:b], start=a, end=b, confidence=round(min(1.0, max(0.0, confidence)), 2))


# --- the draft ------------------------------------------------------------------------------------------


def draft_from_text(text: str, *, kb: KnowledgeBase | None = None, on: dt.date | None = None) -> TextDraft:
    """Read a news text or statement and return a draft incident record with evidence.

    ``kb`` (default: the shipped knowledge base) supplies the groups and aliases; ``on``
    (default: today) is the day the text speaks from, for "last week" and for the id's
    year when the text gives no date. Raises :class:`TextInputError` for a text that
    cannot be read (empty, binary, larger than :data:`MAX_TEXT_BYTES`).
    """
    check_text(text)
    original, text = text, _repaired(text)
    if kb is None:
        from normwatch.knowledge.load import load_kb

        kb = load_kb()
    today = on or dt.date.today()
    gaz = gazetteer(kb)
    sentences = _sentences(text) or [_Sentence(0, len(text))]
    _excluded_spans(text, sentences, gaz)
    spans = [span for s in sentences for span in s.excluded]
    mentions = _mentions(text, gaz)
    _assign_roles(text, sentences, mentions, gaz)
    draft = _Builder(text, gaz, sentences, spans, mentions, today, on is not None).build()
    if original != text:
        # the repair keeps every offset, so the evidence quotes the input as given
        for items in draft.evidence.values():
            for ev in items:
                ev.text = original[ev.start:ev.end]
    return draft


def _repaired(text: str) -> str:
    """``text`` with mis-decoded punctuation put back, every character at its place.

    Some exports turn a curly apostrophe into ``??`` and a dash or space into ``?``
    ("Ukraine?? IT Army", "geared?towards"); read as written they hide a possessive
    from every rule. Each replacement has the length of what it replaces.
    """
    if "?" not in text:
        return text
    # "North Korea??inked": a dash and the next letter became two marks
    text = re.sub(r"\?\?(inked|acked|ponsored|ased|ligned|ffiliated)\b",
                  lambda m: "-" + {"inked": "l", "acked": "b", "ponsored": "s", "ased": "b", "ligned": "a",
                                   "ffiliated": "a"}[m.group(1)] + m.group(1), text)
    text = re.sub(r"(?<=[A-Za-z])\?\?(?=[\s,.;:)]|$)", "’s", text)
    text = re.sub(r"(?<=[a-z])\?\?(?=[a-z])", "’ ", text)
    text = re.sub(r"(?<=[a-z])\?(?=[a-z])", " ", text)
    return text


_NON_STATE_KINDS = {"criminal", "hacktivist"}
"""Group kinds whose knowledge-base state is where they sit or whom they favour, not a sponsor."""


@dataclass
class _Claim:
    state: str
    evidence: list[Evidence] = field(default_factory=list)
    sentences: set[int] = field(default_factory=set)
    groups: list[str] = field(default_factory=list)
    strength: float = 0.0
    group_only_weak: bool = True


class _Builder:
    def __init__(self, text: str, gaz: Gazetteer, sentences: list[_Sentence], spans: list[tuple[int, int, str]],
                 mentions: list[_Mention], on: dt.date, on_given: bool) -> None:
        self.text, self.gaz, self.sentences, self.spans = text, gaz, sentences, spans
        self.mentions, self.on, self.on_given = mentions, on, on_given
        self.evidence: dict[str, list[Evidence]] = {}
        self.questions: list[str] = []

    # masks: actor and attributor phrases do not name a victim sector
    @property
    def _silenced(self) -> set[tuple[int, str]]:
        """(sentence, state) of deniers and distractors: the same state is no victim there."""
        # a persona the attacker wore ("posing as a Ukrainian firm") does not silence the same
        # state as victim: impersonation mostly aims at that state's own people
        return {(m.sentence, m.name.value) for m in self.mentions
                if m.role == "denier" or (m.role == "ignored" and m.why != "false-flag")}

    def _masked(self) -> list[tuple[int, int]]:
        masked: list[tuple[int, int]] = []
        for m in self.mentions:
            tail = self.text[m.end: m.end + 45]
            said = re.match(r"^(?:['’]s)?\s*(?:[\w-]+\s+){0,1}?(?:" + self.gaz.gov_nouns.pattern + r")", tail, re.I)
            if said and (m.role in {"actor", "attributor", "denier"} or _said_after(tail[said.end():])):
                masked.append((m.start, m.end + said.end()))
            if m.role in {"actor", "attributor", "denier"}:
                gov = re.match(r"^(?:['’]s)?\s*(?:[\w-]+\s+){0,1}?(?:government|military|state|intelligence)"
                               r"(?:[\s-]+(?:backed|sponsored|linked|hackers|officials|agencies|services?))?", tail,
                               re.I)
                masked.append((m.start, m.end + (gov.end() if gov else 0)))
        for match in re.finditer(r"\b(?:government|state|military)[\s-]+(?:backed|sponsored|linked|affiliated|"
                                 r"hackers|aligned|actors?)\b", self.text, re.I):
            masked.append(match.span())
        for match in re.finditer(r"\b(?:(?:cyber)?security\s+(?:firm|company|companies|firms|researchers|vendor)|"
                                 r"researchers|Ministry of State Security|military intelligence|"
                                 r"intelligence (?:service|agency|agencies|services)|Department of Justice|"
                                 r"Justice Department|State Department|Foreign Office|Treasury Department)\b",
                                 self.text, re.I):
            masked.append(match.span())
        return masked

    def build(self) -> TextDraft:
        incident: dict[str, Any] = {}
        claims = self._claims()
        victims = self._victims({c.state for c in claims})
        masked = self._masked()
        sectors = _vocabulary(self.text, self.gaz.sectors, self.spans, masked)
        operations = self._operations(masked)
        dates = _dates(self.text, self.sentences, self.on)

        start = min(dates, key=lambda d: _date_key(d[0])) if dates else None
        year = start[0][:4] if start else str(self.on.year)
        name = self._name(operations, victims)
        incident["id"] = _draft_id(name, year)
        incident["name"] = name
        if start is not None:
            incident["start"] = start[0]
            self.evidence["start"] = [start[1]]
            later = [d for d in dates if _date_key(d[0]) > _date_key(start[0])]
            if later:
                last = max(later, key=lambda d: _date_key(d[0]))
                if _reporting_near(self.text, last[1]):
                    incident["disclosed"] = last[0]
                    self.evidence["disclosed"] = [last[1]]
        if operations:
            incident["operation"] = [op for op, _ in operations]
            for i, (_, evs) in enumerate(operations):
                self.evidence[f"operation[{i}]"] = evs
        targets = self._targets(victims, sectors)
        if targets:
            incident["targets"] = targets
        actors = self._actors(claims)
        if actors:
            incident["actors"] = actors
        attributions, responses = self._attributions(claims)
        if attributions:
            incident["attributions"] = attributions
        effects = self._effects(masked)
        if effects:
            incident["effects"] = effects
        if responses:
            incident["responses"] = responses
        sources = self._sources()
        if sources:
            incident["sources"] = sources
        incident["summary"] = self._summary(incident)
        self._ask(incident, claims, victims, sectors)
        ordered = _contract_order(incident)
        result = TextDraft(incident=ordered, evidence=self.evidence, questions=self.questions)
        result._victims = [code for code, _ in victims]
        result._sectors = list(dict.fromkeys(label for label, _, _ in sectors))
        return result

    # --- responsible states
    def _claims(self) -> list[_Claim]:
        claims: dict[str, _Claim] = {}
        for index, m in enumerate(self.mentions):
            if m.role != "actor":
                continue
            if m.name.kind == "group":
                group = self.gaz.groups[m.name.value]
                state = group.sponsor
                if state is None or group.kind in _NON_STATE_KINDS:
                    # a criminal or hacktivist group acts for itself, wherever it sits
                    continue
                previous = self.mentions[index - 1] if index else None
                if (previous is not None and previous.role == "actor" and previous.name.kind == "country"
                        and previous.sentence == m.sentence and previous.name.value != state
                        and m.start - previous.end <= 40 and not re.search(r"[.;,]", self.text[previous.end:m.start])):
                    # "the Belarusian threat actor UNC1151": the text's own state for the group
                    # outweighs the knowledge base's
                    continue
                claim = claims.setdefault(state, _Claim(state))
                if group.id not in claim.groups:
                    claim.groups.append(group.id)
                if group.kind == "state-sponsored":
                    claim.group_only_weak = False
            else:
                state = m.name.value
                if not is_country(state):
                    continue
                claim = claims.setdefault(state, _Claim(state))
                claim.group_only_weak = False
            claim.evidence.append(_ev(self.text, m.start, m.end, m.strength))
            claim.sentences.add(m.sentence)
            claim.strength = max(claim.strength, m.strength)
        return sorted(claims.values(), key=lambda c: (-c.strength, -len(c.evidence), c.evidence[0].start))

    def _victims(self, responsible: set[str]) -> list[tuple[str, list[Evidence]]]:
        found: dict[str, list[Evidence]] = {}
        candidates: list[_Mention] = []
        for m in self.mentions:
            if m.role != "victim" or m.name.kind != "country" or not is_country(m.name.value):
                continue
            before = self.text[max(0, m.start - 25): m.start]
            strong = re.search(r"\b(?:in|inside|against|targeting|targeted)\s+(?:the\s+)?$", before, re.I)
            if m.name.value in responsible and not strong and m.strength < 0.8 \
                    and not _people_after(self.text[m.end: m.end + 40]):
                # the state that acts is its own victim only where the text says whom it
                # targets ("the Bahraini government ... Bahraini activists")
                continue
            if (m.sentence, m.name.value) in self._silenced:
                continue
            candidates.append(m)
        # a name merely mentioned ("U.S. President Trump", "over Ukraine") is no victim when the
        # text says whom it hit; a name listed with a victim is one ("banks in Bangladesh,
        # Vietnam, Ecuador and Poland")
        hit = any(m.strength >= 0.8 for m in candidates)
        keep = [m.strength >= 0.8 or not hit for m in candidates]
        for _ in range(2):  # along a list, forwards and backwards
            for i in range(len(candidates) - 1):
                a, b = candidates[i], candidates[i + 1]
                if keep[i] != keep[i + 1] and a.sentence == b.sentence \
                        and _LIST_JOIN.fullmatch(self.text[a.end: b.start]):
                    keep[i] = keep[i + 1] = True
        for m, kept in zip(candidates, keep, strict=True):
            if kept:
                found.setdefault(m.name.value, []).append(_ev(self.text, m.start, m.end, m.strength))
        if not found:
            # a government mostly speaks of operations against itself
            for m in self.mentions:
                if m.role == "attributor" and m.name.kind in {"country", "gov"} and is_country(m.name.value) \
                        and m.name.value not in responsible:
                    found.setdefault(m.name.value, []).append(_ev(self.text, m.start, m.end, 0.35))
        ranked = sorted(found.items(), key=lambda kv: (-max(e.confidence for e in kv[1]), kv[1][0].start))
        return ranked

    def _operations(self, masked: list[tuple[int, int]]) -> list[tuple[str, list[Evidence]]]:
        hits = _vocabulary(self.text, self.gaz.operations, self.spans, masked)
        weak = False
        if not hits:
            hits = _vocabulary(self.text, self.gaz.weak_operations, self.spans, masked)
            weak = True
        by_op: dict[str, list[Evidence]] = {}
        for label, a, b in hits:
            by_op.setdefault(label, []).append(_ev(self.text, a, b, 0.35 if weak else 0.75))
        from normwatch.knowledge.models import OPERATIONS

        # strongest first: the operation named most often leads
        ordered = sorted(by_op.items(), key=lambda kv: (-len(kv[1]), kv[1][0].start))
        return [(op, evs) for op, evs in ordered if op in OPERATIONS]

    def _targets(self, victims: list[tuple[str, list[Evidence]]],
                 sectors: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
        by_sector: dict[str, list[Evidence]] = {}
        for label, a, b in sectors:
            by_sector.setdefault(label, []).append(_ev(self.text, a, b, 0.7))
        if len(by_sector) > 1 and "industry" in by_sector:
            # "company" is the generic word: a named sector says more
            specific = {k for k in by_sector if k not in {"industry", "government", "individuals"}}
            if specific:
                del by_sector["industry"]
        targets: list[dict[str, Any]] = []
        for country, c_ev in victims:
            for sector, s_ev in by_sector.items():
                i = len(targets)
                targets.append({"country": country, "sector": sector})
                self.evidence[f"targets[{i}].country"] = c_ev
                self.evidence[f"targets[{i}].sector"] = s_ev
        return targets

    def _actors(self, claims: list[_Claim]) -> list[dict[str, Any]]:
        actors: list[dict[str, Any]] = []
        seen: set[str] = set()
        for m in self.mentions:
            if m.role != "actor" or m.name.kind != "group" or m.name.value in seen:
                continue
            group = self.gaz.groups[m.name.value]
            seen.add(group.id)
            actor: dict[str, Any] = {"name": group.name, "kind": group.kind}
            if group.sponsor and any(c.state == group.sponsor for c in claims):
                actor["state"] = group.sponsor
            self.evidence[f"actors[{len(actors)}].name"] = [_ev(self.text, m.start, m.end, 0.9)]
            actors.append(actor)
        return actors

    def _attributions(self, claims: list[_Claim]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        attributions: list[dict[str, Any]] = []
        responses: list[dict[str, Any]] = []
        seen_responses: set[tuple[str, str]] = set()
        for claim in claims:
            near = set(claim.sentences) | {i - 1 for i in claim.sentences if i > 0}
            window = [self.sentences[i] for i in sorted(near) if 0 <= i < len(self.sentences)]
            own = [self.sentences[i] for i in sorted(claim.sentences)]
            kinds: dict[str, list[tuple[str, Evidence]]] = {}
            for m in self.mentions:
                if m.role != "attributor" or m.sentence not in near:
                    continue
                if m.name.kind in {"country", "gov"}:
                    code = m.name.value
                    if code == claim.state:
                        continue
                    kinds.setdefault("government", []).append((code, _ev(self.text, m.start, m.end, 0.8)))
                else:
                    kinds.setdefault(m.name.kind, []).append((m.name.value, _ev(self.text, m.start, m.end, 0.7)))
            for s in window:
                for match in self.gaz.cues["anonymous_cues"].finditer(self.text, s.start, s.end):
                    kinds.setdefault("media", []).append(
                        ("anonymous sources", _ev(self.text, match.start(), match.end(), 0.6)))
            hedge = self._cue_in(own, "hedge_cues")
            strong = self._cue_in(window, "strong_cues")
            if not kinds:
                kinds["media"] = [(UNATTRIBUTED, claim.evidence[0])]
            for kind in ("government", "industry", "academic", "media"):
                if kind not in kinds:
                    continue
                names: list[str] = []
                for who, _ in kinds[kind]:
                    if who not in names:
                        names.append(who)
                if kind == "government":
                    confidence = "high" if strong else ("low" if hedge else "medium")
                elif kind in {"industry", "academic"}:
                    confidence = "low" if hedge else "medium"
                else:
                    confidence = "low"
                if claim.group_only_weak and confidence != "low" and kind != "government":
                    confidence = "low"
                i = len(attributions)
                attributions.append({"to": claim.state, "by": names, "kind": kind, "confidence": confidence})
                self.evidence[f"attributions[{i}].to"] = claim.evidence
                self.evidence[f"attributions[{i}].by"] = [ev for _, ev in kinds[kind]]
                cue_ev = strong if (kind == "government" and strong) else hedge
                if cue_ev is not None:
                    self.evidence[f"attributions[{i}].confidence"] = [cue_ev]
                if kind == "government":
                    for code in names:
                        for rkind, ev in self._response_kinds(window):
                            if (code, rkind) in seen_responses:
                                continue
                            seen_responses.add((code, rkind))
                            self.evidence[f"responses[{len(responses)}].kind"] = [ev]
                            responses.append({"by": code, "kind": rkind})
        return attributions, responses

    def _cue_in(self, sentences: list[_Sentence], key: str) -> Evidence | None:
        for s in sentences:
            for match in self.gaz.cues[key].finditer(self.text, s.start, s.end):
                if not _inside(match.start(), match.end(), self.spans):
                    return _ev(self.text, match.start(), match.end(), 0.6)
        return None

    def _response_kinds(self, sentences: list[_Sentence]) -> list[tuple[str, Evidence]]:
        found: list[tuple[str, Evidence]] = []
        table = (("indictment", r"\b(?:indict\w*|criminal\s+charges|charged)\b"),
                 ("sanctions", r"\bsanction(?:s|ed|ing)\b"),
                 ("expulsion", r"\bexpel(?:led|s)?\b"))
        for kind, pattern in table:
            for s in sentences:
                match = re.compile(pattern, re.I).search(self.text, s.start, s.end)
                if match and not _inside(match.start(), match.end(), self.spans):
                    found.append((kind, _ev(self.text, match.start(), match.end(), 0.6)))
                    break
        return found

    def _effects(self, masked: list[tuple[int, int]]) -> dict[str, Any]:
        effects: dict[str, Any] = {}
        hits = _vocabulary(self.text, self.gaz.effects, self.spans, masked)
        by_key: dict[str, list[Evidence]] = {}
        for label, a, b in hits:
            by_key.setdefault(label, []).append(_ev(self.text, a, b, 0.6))
        for key in ("data_stolen", "data_published", "data_destroyed", "physical_damage", "indiscriminate"):
            if key in by_key:
                effects[key] = True
                self.evidence[f"effects.{key}"] = by_key[key]
        for level in ("lasting", "temporary"):
            if f"availability_{level}" in by_key:
                effects["availability"] = level
                self.evidence["effects.availability"] = by_key[f"availability_{level}"]
                break
        for level in ("global", "regional", "national", "targeted"):
            if f"scale_{level}" in by_key:
                effects["scale"] = level
                self.evidence["effects.scale"] = by_key[f"scale_{level}"]
                break
        deaths = re.search(r"\b(\d{1,6})\s+(?:people\s+|patients\s+|persons\s+)?(?:died|were\s+killed|deaths)\b",
                           self.text)
        if deaths and not _inside(deaths.start(), deaths.end(), self.spans):
            effects["deaths"] = int(deaths.group(1))
            self.evidence["effects.deaths"] = [_ev(self.text, deaths.start(), deaths.end(), 0.6)]
        loss = re.search(r"(?:\$|USD\s?|US\$)\s?(\d+(?:[.,]\d+)?)\s*(million|billion|bn|m)\b[^.]{0,60}?"
                         r"\b(?:loss|losses|damage|damages|cost|costs)\b|\b(?:loss|losses|damage|damages|cost|costs)"
                         r"\b[^.]{0,40}?(?:\$|USD\s?|US\$)\s?(\d+(?:[.,]\d+)?)\s*(million|billion|bn|m)\b",
                         self.text, re.I)
        if loss and not _inside(loss.start(), loss.end(), self.spans):
            number = float((loss.group(1) or loss.group(3)).replace(",", ""))
            unit = (loss.group(2) or loss.group(4)).casefold()
            effects["economic_loss_usd"] = number * (1e9 if unit in {"billion", "bn"} else 1e6)
            self.evidence["effects.economic_loss_usd"] = [_ev(self.text, loss.start(), loss.end(), 0.5)]
        return effects

    def _sources(self) -> list[str]:
        from normwatch.knowledge.models import is_url

        urls: list[str] = []
        for match in re.finditer(r"https?://[^\s<>\"')\]]+", self.text):
            url = match.group().rstrip(".,;:!?")
            if is_url(url) and url not in urls:
                urls.append(url)
        return urls[:50]

    def _name(self, operations: list[tuple[str, list[Evidence]]], victims: list[tuple[str, list[Evidence]]]) -> str:
        first = self.text.strip().splitlines()[0].strip() if self.text.strip() else ""
        if 10 <= len(first) <= 150 and not first.endswith((".", "?", "!")) and len(first.split()) >= 3:
            return first
        what = operations[0][0].replace("-", " ") if operations else "cyber operation"
        where = ", ".join(country_name(c) for c, _ in victims[:3])
        return f"{what.capitalize()} against {where}" if where else what.capitalize()

    def _summary(self, incident: dict[str, Any]) -> str:
        parts = [f"Unreviewed draft drawn from a text of {len(self.text):,} characters."]
        if incident.get("operation"):
            parts.append("Operation: " + ", ".join(incident["operation"]) + ".")
        if incident.get("targets"):
            parts.append("Targets: " + ", ".join(f"{t['country']} ({t['sector']})" for t in incident["targets"]) + ".")
        for a in incident.get("attributions", []):
            parts.append(f"Attributed to {a['to']} by {', '.join(a['by'])} ({a['kind']}, {a['confidence']}).")
        return " ".join(parts)[:20_000]

    def _ask(self, incident: dict[str, Any], claims: list[_Claim], victims: list[tuple[str, list[Evidence]]],
             sectors: list[tuple[str, int, int]]) -> None:
        ask = self.questions.append
        if "start" not in incident:
            ask("When did the operation begin? The text gives no date (start is required).")
        if not victims:
            ask("Which state was targeted? The text names no victim country (targets[].country is required).")
        if not sectors:
            ask("Which sector was targeted (government, energy, health, …)? The text does not say "
                "(targets[].sector is required).")
        if "operation" not in incident:
            ask("What did the operation do (espionage, disruption, destruction, ransomware, …)? "
                "The text does not say (operation is required).")
        elif all(e.confidence < 0.5 for k, evs in self.evidence.items() if k.startswith("operation") for e in evs):
            ask("The text only says systems were hacked or breached: was it espionage, or something else?")
        if not claims:
            ask("Who is behind it? The text names no responsible state and no known group.")
        else:
            kinds = {a["kind"] for a in incident.get("attributions", [])}
            if "government" not in kinds:
                states = ", ".join(c.state for c in claims)
                ask(f"Has any government attributed it? The text links it to {states} only through "
                    + (", ".join(sorted(kinds)) or "unnamed") + " sources.")
        effects = incident.get("effects", {})
        if not effects:
            ask("What were the effects (data stolen, published or destroyed; services disrupted; physical damage)? "
                "The text does not say, so they stay unknown.")
        elif "availability" not in effects and any(op in incident.get("operation", [])
                                                    for op in ("disruption", "destruction", "ransomware")):
            ask("How long were services unavailable (temporary or lasting)? The text does not say.")
        if "scale" not in effects:
            ask("How wide was it (targeted, national, regional, global)? The text does not say.")
        deniers = sorted({m.name.value for m in self.mentions if m.role == "denier" and is_country(m.name.value)})
        if deniers:
            ask(f"The text reports a denial by {', '.join(deniers)}; a denial is not recorded as a claim.")
        ignored = sorted({m.text for m in self.mentions if m.role == "ignored"})
        if ignored:
            ask("Names mentioned only as an earlier case, a false flag or a negation were left out: "
                + ", ".join(ignored[:8]) + ". Check that none of them belongs to this incident.")
        if not self.on_given and any(e.confidence <= 0.5 for e in self.evidence.get("start", [])):
            ask("The start date was read relative to today; give the text's own date (on=) to resolve it.")


def _said_after(rest: str) -> bool:
    return bool(re.match(r"^\s*(?:has\s+|have\s+|had\s+)?(?:not\s+)?(?:said|says|stated|commented|declined|responded|"
                         r"denied|accused|blamed|attributed|announced|confirmed|warned)\b", rest, re.I))


def _date_key(value: str) -> tuple[int, int, int]:
    parts = [int(p) for p in value.split("-")]
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


def _reporting_near(text: str, ev: Evidence) -> bool:
    window = text[max(0, ev.start - 80): ev.end + 80].casefold()
    return bool(re.search(r"\b(?:said|announced|disclosed|revealed|reported|published|statement|advisory|"
                          r"attributed|indicted|sanctioned|warned|confirmed)\b", window))


def _draft_id(name: str, year: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    slug = "-".join(part for part in slug.split("-") if part)[:60].strip("-") or "incident"
    if slug.endswith(f"-{year}"):
        slug = slug[: -len(year) - 1]
    return f"draft-{slug}-{year}"


_ORDER = ("id", "name", "aliases", "start", "disclosed", "end", "summary", "operation", "targets", "actors",
          "attributions", "infrastructure", "effects", "context", "responses", "related", "sources")


def _contract_order(incident: dict[str, Any]) -> dict[str, Any]:
    return {key: incident[key] for key in _ORDER if key in incident}
