"""normwatch's errors, one tree, and the problems of input files.

``NormwatchError`` is the root. ``InputError`` carries the problems of user input, each
naming file, record and field; ``NotFound`` names the kind and the id that is not
recorded; ``Conflict`` is a change that cannot apply to the current state. The command
line maps them to one line and exit 2, the API to a 4xx JSON answer, the web UI to an
error page, each in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one record of one file."""

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.record:
            parts.append(f"record {self.record}")
        if self.field:
            parts.append(f"field {self.field}")
        return ": ".join(parts) + f": {self.message}"


class NormwatchError(Exception):
    """The root of every error normwatch raises on purpose."""


class InputError(NormwatchError, ValueError):
    """Raised when user input is wrong; carries every problem found (also a ``ValueError``)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = str(problems[0]) if problems else "invalid input"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)

    @classmethod
    def one(cls, file: str, record: str, field: str, message: str) -> InputError:
        """An input error with a single problem."""
        return cls([Problem(file, record, field, message)])


class NotFound(NormwatchError, KeyError):
    """No record of this kind has this id (which says nothing of whether the thing exists).

    Also a ``KeyError``, so a lookup that fails reads the same as a missing key.
    """

    def __init__(self, kind: str, ident: str, message: str | None = None):
        self.kind = kind
        self.ident = ident
        self.message = message or f"unknown {kind} {ident!r}"
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError would quote the message; every front end shows it as is.
        return self.message


class Conflict(NormwatchError):
    """A change that cannot apply to the current state (a draft already reviewed, say)."""


_KEY = re.compile(r"^[a-z_]+$")


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def from_validation_error(file: str, record: str, error: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into problems with plain messages."""
    problems = []
    for item in error.errors():
        loc = tuple(item.get("loc", ()))
        kind = item.get("type", "")
        if kind == "extra_forbidden":
            message = "unknown key"
        elif kind == "missing":
            message = "required key is missing"
        elif kind == "literal_error":
            allowed = item.get("ctx", {}).get("expected", "")
            message = f"{item.get('input')!r} is not allowed; expected one of {allowed}"
        else:
            message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        field = _field(loc)
        # A check across keys reports no location; its message starts with "key: ".
        head, sep, rest = message.partition(": ")
        if sep and _KEY.match(head):
            field = f"{field}.{head}" if field else head
            message = rest
        problems.append(Problem(file, record, field, message))
    return problems
