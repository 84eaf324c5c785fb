"""Problems found in knowledge-base and input files, each naming file, record and field."""

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


class InputError(Exception):
    """Raised when user input is wrong; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = str(problems[0]) if problems else "invalid input"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)


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
