"""Sortable list pages: ``?sort=column&order=asc|desc`` header links and a CSV twin.

Sorting is done on the server, so the header links work without any script. A list page
names its columns (each with a sort key and the order a first click gives), reads the
request's sort with :func:`read_sort`, sorts its rows with :meth:`Sorting.apply`, and hands
the :class:`Sorting` to the template, which turns every sortable header into a link.
``?format=csv`` gives the same rows as CSV through the one CSV cell writer
(:func:`normwatch.interchange.tabular.write_csv`, which neutralises formula-like cells).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from normwatch.service.web.common import PageError, url

Order = Literal["asc", "desc"]
ORDERS: tuple[Order, ...] = ("asc", "desc")


@dataclass(frozen=True)
class Column:
    """A sortable column: how to read its sort key from a row, and the order of a first click
    (numbers and dates start with the largest, text with A)."""

    key: Callable[[Mapping[str, Any]], Any]
    first: Order = "asc"


@dataclass(frozen=True)
class Sorting:
    """The sort a list page shows, and the header links that change it.

    ``column`` is None for a list shown in its natural order (e.g. the order of a document).
    ``keep`` holds the query parameters every link keeps (the filters).
    """

    path: str
    columns: Mapping[str, Column]
    column: str | None
    order: Order
    explicit: bool
    keep: Mapping[str, Any] = field(default_factory=dict)

    def href(self, column: str) -> str:
        """The link of a column's header: sort by it, or flip the order if it is the sort now."""
        if column == self.column:
            order: Order = "desc" if self.order == "asc" else "asc"
        else:
            order = self.columns[column].first
        # a new order starts at the first page: page N of another order shows other rows
        return url(self.path, **self.keep, sort=column, order=order)

    def aria(self, column: str) -> str:
        """The header's ``aria-sort``: ``ascending``, ``descending``, or empty when unsorted."""
        if column != self.column:
            return ""
        return "ascending" if self.order == "asc" else "descending"

    def params(self) -> dict[str, str]:
        """The sort as query parameters, for links that keep it (pages, CSV); empty when the
        request named none."""
        if not self.explicit or self.column is None:
            return {}
        return {"sort": self.column, "order": self.order}

    def state(self) -> dict[str, Any]:
        """The sort as the JSON twin reports it."""
        return {"column": self.column, "order": self.order if self.column else None,
                "columns": list(self.columns)}

    def apply(self, rows: Iterable[Mapping[str, Any]]) -> list[Any]:
        """``rows`` sorted (stably: ties keep the natural order); rows without a value come last
        in either order."""
        rows = list(rows)
        if self.column is None or not self.explicit:
            return rows
        key = self.columns[self.column].key
        known = [r for r in rows if key(r) is not None]
        unknown = [r for r in rows if key(r) is None]
        return sorted(known, key=key, reverse=self.order == "desc") + unknown


def read_sort(
    request: Request,
    columns: Mapping[str, Column],
    default: str | None,
    default_order: Order = "asc",
    keep: Mapping[str, Any] | None = None,
) -> Sorting:
    """The sort of this request's ``sort`` and ``order`` parameters; PageError(400) naming the
    parameter for an unknown column or order. Without ``sort`` the rows keep their natural
    order, which the page describes as ``default`` (and ``default_order``)."""
    given = request.query_params.get("sort", "").strip()
    order_text = request.query_params.get("order", "").strip().lower()
    if order_text and order_text not in ORDERS:
        raise PageError(400, f"order: {order_text!r} is not asc or desc")
    if given and given not in columns:
        raise PageError(400, f"sort: {given!r} is not a column of this list; one of {', '.join(columns)}")
    if not given:
        if order_text:
            raise PageError(400, "order: give sort=<column> with it")
        return Sorting(request.url.path, columns, default, default_order, False, dict(keep or {}))
    order: Order = "desc" if order_text == "desc" else "asc" if order_text else columns[given].first
    return Sorting(request.url.path, columns, given, order, True, dict(keep or {}))


def wants_csv(request: Request) -> bool:
    """``?format=csv``: the list's rows as CSV."""
    return request.query_params.get("format", "") == "csv"


def csv_url(request: Request) -> str:
    """This address with ``format=csv`` and without ``page``: the CSV link gives every row the
    filters and sort select, not only the page on screen."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("format", "page") and v]
    return f"{request.url.path}?{urlencode([*params, ('format', 'csv')])}"


def csv_response(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], name: str) -> Response:
    """``rows`` as a CSV download named ``name``.csv (formula-like cells neutralised)."""
    from normwatch.interchange.tabular import write_csv

    buffer = io.StringIO()
    write_csv(rows, columns, buffer)
    return Response(
        buffer.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Vary": "Accept"},
    )


def text_key(name: str) -> Callable[[Mapping[str, Any]], Any]:
    """Sort key of a text field, case-insensitive; None for an empty value."""
    def key(row: Mapping[str, Any]) -> Any:
        value = row.get(name)
        return str(value).casefold() if value not in (None, "") else None
    return key


def number_key(name: str) -> Callable[[Mapping[str, Any]], Any]:
    """Sort key of a numeric field; None when missing."""
    def key(row: Mapping[str, Any]) -> Any:
        value = row.get(name)
        return value if isinstance(value, int | float) else None
    return key
