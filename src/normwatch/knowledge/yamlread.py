"""Reading YAML and JSON text strictly: libyaml's parser under a composer that refuses
anchors, aliases, complex and duplicate keys, over-long integers and impossible dates, each
refusal with its line and column.

Kept apart from :mod:`normwatch.knowledge.load` so that a start served from the disk cache
does not import PyYAML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from normwatch.errors import Problem


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that normwatch will not read (anchors, complex keys, huge integers)."""


class _Strict(yaml.composer.Composer):
    """Refuses anchors and aliases while composing: an alias is a reference, so a few
    hundred bytes of them expand to gigabytes for whoever walks the data (billion laughs)."""

    peek_event: Callable[[], yaml.Event]  # the parser's, mixed in below
    aliases = False

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if not self.aliases and (isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None):
            mark: Any = event.start_mark  # libyaml's marks are typed apart from PyYAML's
            raise _Refused(None, None, "YAML anchors and aliases are not accepted", mark)
        return super().compose_node(parent, index)


if yaml.__with_libyaml__:
    # libyaml's parser with PyYAML's composer on top: the composer is where aliases are
    # refused, and the C events still carry line and column.
    class _StrictLoader(_Strict, yaml.CSafeLoader):
        """A safe YAML loader that refuses duplicate keys, complex keys, anchors and aliases."""

        def __init__(self, stream: str) -> None:
            yaml.CSafeLoader.__init__(self, stream)
            yaml.composer.Composer.__init__(self)

else:  # pragma: no cover - libyaml is in every wheel we ship

    class _StrictLoader(_Strict, yaml.SafeLoader):  # type: ignore[no-redef]
        """A safe YAML loader that refuses duplicate keys, complex keys, anchors and aliases."""


def _mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Refused(None, None, "a key must be plain text or a number, not a mapping or a list",
                           key_node.start_mark)
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


def _integer(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_int(node)
    except ValueError:
        # Python refuses to convert decimal integers of more than 4,300 digits
        # (sys.get_int_max_str_digits), a guard against quadratic-time conversion.
        digits = sum(c.isdigit() for c in str(node.value))
        raise _Refused(None, None, f"an integer of {digits} digits is too long", node.start_mark) from None


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError) as exc:
        raise _Refused(None, None, f"{node.value!r} is not a valid date: {exc}", node.start_mark) from None


if yaml.__with_libyaml__:

    class _PlainLoader(yaml.CSafeLoader):
        """libyaml's composer as well as its parser, for text in which no ``&`` or ``*``
        occurs, so that it can hold no anchor or alias: PyYAML's composer, in Python, was
        half the parsing time of a large import."""

else:  # pragma: no cover

    class _PlainLoader(_StrictLoader):  # type: ignore[no-redef]
        """Without libyaml, the strict loader."""


for _loader in (_StrictLoader, _PlainLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    _loader.add_constructor("tag:yaml.org,2002:int", _integer)
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class _ShippedLoader(_StrictLoader):
    """For the package's own data only, which is not user input: a few of its files were
    written by ``yaml.safe_dump``, which shares repeated lists through aliases."""

    aliases = True


def parse_yaml(text: str, name: str, *, shipped_data: bool = False) -> tuple[Any, list[Problem]]:
    """Parse YAML or JSON text from user input; what cannot be read becomes a one-line
    problem naming ``name`` and the line and column. Anchors and aliases are refused
    unless the text is the package's own data (``shipped_data``)."""
    # every anchor and alias starts with one of these indicators: without them the C
    # composer cannot meet one, and the strict one has nothing to refuse
    plain = "&" not in text and "*" not in text
    loader = _PlainLoader if plain else _ShippedLoader if shipped_data else _StrictLoader
    try:
        return yaml.load(text, Loader=loader), []  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, _Refused):
            return None, [Problem(name, "", "", f"{where}{problem}")]
        return None, [Problem(name, "", "", f"malformed YAML/JSON: {where}{problem}".splitlines()[0])]
    except RecursionError:
        return None, [Problem(name, "", "", "malformed YAML/JSON: nested too deeply")]
