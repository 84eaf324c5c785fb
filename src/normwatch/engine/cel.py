"""Rule conditions: a safe subset of CEL, evaluated in three-valued (Kleene) logic.

Rules are written in CEL (the Common Expression Language, parsed by ``cel-python``) over
named facts: booleans, numbers and strings. A fact may be *unknown* (``None``): an
incident that does not record an effect does not say it was absent.

Two evaluators give the same answers and are tested against each other:

- :func:`evaluate_reference` runs ``cel-python`` itself on one incident. Unknown facts are
  tried both ways (booleans true and false, numbers 0 and a very large value): when every
  try gives the same result the answer is known, otherwise it is unknown.
- :func:`compile_expression` turns the expression into NumPy operations over whole columns
  of facts, each a pair (values, known-mask), with Kleene ``&&``/``||``/``!``.

The subset: identifiers, literals (bool, int, double, string), ``&&``, ``||``, ``!``,
unary ``-``, ``+ - * /``, comparisons ``== != < <= > >=``, parentheses and the ternary
``c ? a : b``. Anything else is refused when the rule is loaded.

Cost model. Draft rules come from anonymous what-if requests, so an expression's cost must
be bounded before it is parsed or evaluated: at most :data:`MAX_LENGTH` characters,
:data:`MAX_DEPTH` levels of brackets and unary operators and :data:`MAX_OPERATORS`
operators (both counted by a scan of the text, without recursion, before the parser sees
it), string literals of at most :data:`MAX_STRING` characters, number literals of at most
:data:`MAX_DIGITS` digits, and arithmetic on numbers only (``'a' * 1000000000`` is refused:
no value can grow). Every node then costs one vectorised operation per incident, so an
expression's :attr:`Expression.cost` is its node count.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

Fact = bool | int | float | str | None
# numpy is imported where columns are evaluated: assessing one incident never needs it, and
# importing it is a large part of a command's start-up
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Column = tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]
    """A column of facts: values, and a mask that is True where the value is known."""
else:
    Column = tuple

BIG = 1e15  # stands for "as large as can be" when an unknown number is tried


MAX_LENGTH = 4000
"""Longest accepted expression, in characters (the longest shipped rule has 262)."""
MAX_DEPTH = 32
"""Deepest accepted nesting of brackets and unary operators."""
MAX_OPERATORS = 256
"""Most binary, unary and ternary operators in one expression."""
MAX_STRING = 200
"""Longest accepted string literal."""
MAX_DIGITS = 20
"""Most characters in a number literal."""
CACHE_SIZE = 2048
"""Compiled expressions kept per process (least recently used go first)."""


class RuleSyntaxError(ValueError):
    """An expression outside the supported CEL subset, or not CEL at all."""


# --- a tiny AST -----------------------------------------------------------------------

# Node = ("ident", name) | ("lit", value) | ("not", n) | ("neg", n) | ("and", a, b)
#      | ("or", a, b) | ("cmp", op, a, b) | ("arith", op, a, b) | ("cond", c, a, b)
Node = tuple[Any, ...]

_CMP = {
    "relation_eq": "==", "relation_ne": "!=", "relation_lt": "<", "relation_le": "<=",
    "relation_gt": ">", "relation_ge": ">=",
}
_ARITH = {
    "addition_add": "+", "addition_sub": "-", "multiplication_mul": "*",
    "multiplication_div": "/",
}


def _literal(token: str) -> Fact:
    if token == "true":
        return True
    if token == "false":
        return False
    if token.startswith(("'", '"')) and len(token) >= 2 and token[-1] == token[0]:
        if len(token) - 2 > MAX_STRING:
            raise RuleSyntaxError(f"a string literal is longer than {MAX_STRING} characters")
        return token[1:-1]
    text = token.rstrip("uU")
    if len(text) > MAX_DIGITS:
        raise RuleSyntaxError(f"a number literal is longer than {MAX_DIGITS} characters")
    try:
        if text.lower().startswith(("0x", "-0x")):
            return int(text, 16)
        return float(text) if any(ch in text for ch in ".eE") else int(text)
    except ValueError:
        raise RuleSyntaxError(f"literal {token[:40]} is not supported (bool, number or string only)") from None


def _scan(text: str) -> None:
    """Refuse over-long or over-deep text before the parser sees it (no recursion here)."""
    if len(text) > MAX_LENGTH:
        raise RuleSyntaxError(f"expression longer than {MAX_LENGTH} characters ({len(text)})")
    depth = unary = deepest = operators = 0
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            unary = 0
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            unary = 0
        elif ch in "!-":
            operators += 1
            unary += 1 if ch == "!" or _unary_position(text, i) else 0
        elif ch in "+*/<>=?&|%":
            if text[i:i + 2] in ("&&", "||", "==", "!=", "<=", ">="):
                i += 1
            operators += 1
        elif not ch.isspace():
            unary = 0
        deepest = max(deepest, depth + unary)
        if deepest > MAX_DEPTH:
            raise RuleSyntaxError(f"expression nested deeper than {MAX_DEPTH} levels")
        if operators > MAX_OPERATORS:
            raise RuleSyntaxError(f"expression has more than {MAX_OPERATORS} operators")
        i += 1


def _unary_position(text: str, i: int) -> bool:
    before = text[:i].rstrip()
    return not before or before[-1] in "([{!-+*/<>=?:&|,%"


def _convert(tree: Any) -> Node:
    """Turn cel-python's lark tree into our small AST, refusing unsupported forms."""
    from lark import Token, Tree

    if isinstance(tree, Token):
        raise RuleSyntaxError(f"unexpected token {tree!s}")
    data, kids = tree.data, tree.children
    if data in ("expr", "conditionalor", "conditionaland", "relation", "addition",
                "multiplication", "unary", "member", "primary"):
        if data == "expr" and len(kids) == 3:
            return ("cond", _convert(kids[0]), _convert(kids[1]), _convert(kids[2]))
        if len(kids) == 1:
            return _convert(kids[0])
        if data == "conditionalor":
            return ("or", _convert(kids[0]), _convert(kids[1]))
        if data == "conditionaland":
            return ("and", _convert(kids[0]), _convert(kids[1]))
        if data == "relation":
            op_tree, rhs = kids
            if op_tree.data not in _CMP:
                raise RuleSyntaxError(f"operator {op_tree.data} is not supported")
            return ("cmp", _CMP[op_tree.data], _convert(op_tree.children[0]), _convert(rhs))
        if data in ("addition", "multiplication"):
            op_tree, rhs = kids
            if op_tree.data not in _ARITH:
                raise RuleSyntaxError(f"operator {op_tree.data} is not supported")
            return ("arith", _ARITH[op_tree.data], _convert(op_tree.children[0]), _convert(rhs))
        if data == "unary":
            op_tree, operand = kids
            if isinstance(op_tree, Tree) and op_tree.data == "unary_not":
                return ("not", _convert(operand))
            if isinstance(op_tree, Tree) and op_tree.data == "unary_neg":
                return ("neg", _convert(operand))
        raise RuleSyntaxError(f"{data} form is not supported")
    if data == "paren_expr":
        return _convert(kids[0])
    if data == "ident":
        return ("ident", str(kids[0]))
    if data == "literal":
        return ("lit", _literal(str(kids[0])))
    raise RuleSyntaxError(f"{data} is not supported in rules")


def _check_types(root: Node) -> int:
    """Refuse arithmetic on anything but numbers; return the node count (without recursion).

    Facts are booleans or numbers, so only a literal or a ternary of literals can be a
    string; a string may be compared, never computed with.
    """
    kinds: dict[int, str] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    count = 0
    while stack:
        node, done = stack.pop()
        kids = [part for part in node[1:] if isinstance(part, tuple)]
        if not done:
            count += 1
            stack.append((node, True))
            stack.extend((kid, False) for kid in kids)
            continue
        kind = node[0]
        if kind == "lit":
            value = node[1]
            kinds[id(node)] = "string" if isinstance(value, str) else (
                "bool" if isinstance(value, bool) else "number")
        elif kind == "ident":
            kinds[id(node)] = "any"
        elif kind in ("arith", "neg"):
            for kid in kids:
                if kinds[id(kid)] in ("string", "bool"):
                    raise RuleSyntaxError(
                        f"{'-' if kind == 'neg' else node[1]} works on numbers only, not on a {kinds[id(kid)]}")
            kinds[id(node)] = "number"
        elif kind == "cond":
            test, a, b = (kinds[id(kid)] for kid in kids)
            if test == "string" or (a != b and "string" in (a, b)):
                raise RuleSyntaxError("a string can only be compared with a string")
            kinds[id(node)] = a if a == b else "any"
        else:
            operands = [kinds[id(kid)] for kid in kids]
            ordered = kind == "cmp" and node[1] not in ("==", "!=")
            if "string" in operands and (kind != "cmp" or (ordered or len(set(operands)) > 1)):
                raise RuleSyntaxError("a string can only be compared with a string (== or !=)")
            kinds[id(node)] = "bool"
    return count


@dataclass(frozen=True)
class Expression:
    """A compiled rule condition: its text, AST, the facts it reads, and both evaluators."""

    text: str
    ast: Node
    names: frozenset[str]
    cost: int = 1
    """Nodes in the AST: each is one vectorised operation per incident."""

    def evaluate(self, facts: Mapping[str, Fact]) -> bool | None:
        """Kleene evaluation on one incident's facts (used for reasons and explanations)."""
        value = _scalar(self.ast, facts)
        if value is None:
            return None
        return bool(value)

    def columns(self, table: Mapping[str, Column], size: int) -> Column:
        """Vectorised evaluation over columns of facts."""
        return _vector(self.ast, table, size)


def _names(node: Node) -> set[str]:
    if node[0] == "ident":
        return {node[1]}
    if node[0] == "lit":
        return set()
    found: set[str] = set()
    for part in node[1:]:
        if isinstance(part, tuple):
            found |= _names(part)
    return found


@cache
def _environment() -> Any:
    import celpy

    return celpy.Environment()


def warm_up() -> None:
    """Build the CEL parser now (a quarter of a second), not on a server's first draft."""
    _environment().compile("true")


_COMPILED: OrderedDict[str, Expression] = OrderedDict()


def _keep(text: str, expression: Expression) -> None:
    _COMPILED[text] = expression
    _COMPILED.move_to_end(text)
    while len(_COMPILED) > CACHE_SIZE:
        _COMPILED.popitem(last=False)


def remember(expressions: Mapping[str, Expression]) -> None:
    """Register already compiled expressions (from the on-disk cache)."""
    for text, expression in expressions.items():
        _keep(text, expression)


def compiled() -> dict[str, Expression]:
    """Every expression compiled so far in this process."""
    return dict(_COMPILED)


def compile_expression(text: str) -> Expression:
    """Parse ``text`` as CEL and check it is within the supported subset (cached)."""
    found = _COMPILED.get(text)
    if found is not None:  # the common case, a quarter of a million times per 1,450 incidents
        _COMPILED.move_to_end(text)
        return found
    found = _compile(text)
    _keep(text, found)
    return found


def _compile(text: str) -> Expression:
    import celpy

    _scan(text)
    try:
        tree = _environment().compile(text)
    except celpy.celparser.CELParseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        raise RuleSyntaxError(f"not valid CEL: {first}") from None
    ast = _convert(tree)
    cost = _check_types(ast)
    return Expression(text, ast, frozenset(_names(ast)), cost)


# --- scalar Kleene evaluation (explanations) ----------------------------------------------


def _scalar(node: Node, facts: Mapping[str, Fact]) -> Fact:
    kind = node[0]
    if kind == "lit":
        literal: Fact = node[1]
        return literal
    if kind == "ident":
        if node[1] not in facts:
            raise KeyError(f"unknown fact {node[1]!r}")
        return facts[node[1]]
    if kind == "not":
        value = _scalar(node[1], facts)
        return None if value is None else not value
    if kind == "neg":
        value = _scalar(node[1], facts)
        return None if value is None else -value  # type: ignore[operator]
    if kind == "and":
        left, right = _scalar(node[1], facts), _scalar(node[2], facts)
        if left is False or right is False:
            return False
        return None if left is None or right is None else True
    if kind == "or":
        left, right = _scalar(node[1], facts), _scalar(node[2], facts)
        if left is True or right is True:
            return True
        return None if left is None or right is None else False
    if kind == "cond":
        test = _scalar(node[1], facts)
        if test is None:
            a, b = _scalar(node[2], facts), _scalar(node[3], facts)
            return a if a == b and a is not None else None
        return _scalar(node[2] if test else node[3], facts)
    left, right = _scalar(node[2], facts), _scalar(node[3], facts)
    if left is None or right is None:
        return None
    result: Fact = _apply(node[0], node[1], left, right)
    return result


def _apply(kind: str, op: str, left: Any, right: Any) -> Any:
    if kind == "cmp":
        return {
            "==": left == right, "!=": left != right, "<": left < right, "<=": left <= right,
            ">": left > right, ">=": left >= right,
        }[op]
    if op == "/":
        return left / right if right else float("inf")
    return {"+": left + right, "-": left - right, "*": left * right}[op]


# --- vectorised Kleene evaluation -------------------------------------------------------


def _vector(node: Node, table: Mapping[str, Column], size: int) -> Column:
    import numpy as np

    kind = node[0]
    if kind == "lit":
        value = node[1]
        dtype: Any = object if isinstance(value, str) else None
        return np.full(size, value, dtype=dtype), np.ones(size, dtype=bool)
    if kind == "ident":
        if node[1] not in table:
            raise KeyError(f"unknown fact {node[1]!r}")
        return table[node[1]]
    if kind == "not":
        values, known = _vector(node[1], table, size)
        return ~values.astype(bool), known
    if kind == "neg":
        values, known = _vector(node[1], table, size)
        return -values, known
    if kind in ("and", "or"):
        lv, lk = _vector(node[1], table, size)
        rv, rk = _vector(node[2], table, size)
        lv, rv = lv.astype(bool), rv.astype(bool)
        if kind == "and":
            false = (lk & ~lv) | (rk & ~rv)
            true = lk & lv & rk & rv
            return true, true | false
        true = (lk & lv) | (rk & rv)
        false = lk & ~lv & rk & ~rv
        return true, true | false
    if kind == "cond":
        tv, tk = _vector(node[1], table, size)
        av, ak = _vector(node[2], table, size)
        bv, bk = _vector(node[3], table, size)
        tv = tv.astype(bool)
        values = np.where(tv, av, bv)
        same = ak & bk & (av == bv)
        known = np.where(tk, np.where(tv, ak, bk), same)
        return values, known.astype(bool)
    lv, lk = _vector(node[2], table, size)
    rv, rk = _vector(node[3], table, size)
    known = lk & rk
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "cmp":
            ops: dict[str, Callable[[Any, Any], Any]] = {
                "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                ">": np.greater, ">=": np.greater_equal,
            }
            values = ops[node[1]](lv, rv)
        elif node[1] == "/":
            values = np.where(rv != 0, lv / np.where(rv == 0, 1, rv), np.inf)
        else:
            values = {"+": np.add, "-": np.subtract, "*": np.multiply}[node[1]](lv, rv)
    return np.asarray(values), known


# --- the reference evaluator: cel-python itself ---------------------------------------------


def _to_cel(value: Fact) -> Any:
    import celpy

    if isinstance(value, bool):
        return celpy.celtypes.BoolType(value)
    if isinstance(value, int):
        return celpy.celtypes.IntType(value)
    if isinstance(value, float):
        return celpy.celtypes.DoubleType(value)
    return celpy.celtypes.StringType(str(value))


def evaluate_reference(
    expression: Expression, facts: Mapping[str, Fact], kinds: Mapping[str, str]
) -> bool | None:
    """Evaluate with cel-python, trying each unknown fact both ways.

    ``kinds`` gives each fact's type (``bool`` or ``number``) so an unknown can be tried
    at its extremes. Numbers are passed as doubles so CEL's arithmetic never mixes types.
    """
    program = _environment().program(_environment().compile(expression.text))
    unknown = sorted(name for name in expression.names if facts.get(name) is None)
    choices = [
        (False, True) if kinds.get(name) == "bool" else (0.0, BIG) for name in unknown
    ]
    results: set[bool] = set()
    for combination in itertools.product(*choices):
        activation = {}
        for name in expression.names:
            value = facts.get(name)
            if kinds.get(name) == "number" and value is not None:
                value = float(value)
            activation[name] = _to_cel(value)
        for name, value in zip(unknown, combination, strict=True):
            activation[name] = _to_cel(value)
        results.add(bool(program.evaluate(activation)))
        if len(results) > 1:
            return None
    return results.pop()
