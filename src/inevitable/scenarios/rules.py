"""The strategy rule language: conditions on the observed state, and actions.

A strategy is a list of rules; each month every rule whose condition holds
sets the levels (0..1) of the actions it names, later rules overriding
earlier ones. Conditions are small expressions::

    month >= "1926-04" and cadre_share > 0.5 and not leaders_expelled

They are parsed with Python's own parser into a syntax tree, every node is
checked against a short whitelist (comparisons, and/or/not, + - * /, numbers,
months in quotes, known names), and the tree is interpreted by the code
below. Nothing is ever passed to ``eval`` or ``exec``; a function call,
attribute, subscript or unknown name is an error that says what is allowed.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from inevitable.engine.timeline import month_index, parse_month
from inevitable.errors import InputError

_COMPARE = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: lambda a, b: a / b if b else 0.0}

Expr = Callable[[Mapping[str, float]], float]


def compile_condition(text: str, names: set[str]) -> Expr:
    """Turn a condition into a function of the observed state.

    ``names`` are the observables a condition may use; month literals in
    quotes ("1925-12") become month numbers comparable with ``month``.
    """
    text = str(text).strip()
    if text in ("", "always", "true", "True"):
        return lambda obs: 1.0
    try:
        tree = ast.parse(text, mode="eval")
        return _build(tree.body, text, names)
    except SyntaxError as exc:
        raise InputError(f"cannot parse condition '{text}': {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise InputError(f"condition '{text[:60]}...' is nested too deeply") from None


def _build(node: ast.AST, text: str, names: set[str]) -> Expr:
    if isinstance(node, ast.BoolOp):
        parts = [_build(v, text, names) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda obs: float(all(p(obs) for p in parts))
        return lambda obs: float(any(p(obs) for p in parts))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _build(node.operand, text, names)
        return lambda obs: float(not inner(obs))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _build(node.operand, text, names)
        return lambda obs: -inner(obs)
    if isinstance(node, ast.Compare):
        terms = [_build(node.left, text, names)] + [_build(c, text, names)
                                                    for c in node.comparators]
        ops = []
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise InputError(f"operator not allowed in condition '{text}'")
            ops.append(_COMPARE[type(op)])

        def compare(obs):
            values = [t(obs) for t in terms]
            return float(all(op(a, b) for op, a, b in zip(ops, values, values[1:], strict=False)))

        return compare
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        left, right = _build(node.left, text, names), _build(node.right, text, names)
        fn = _ARITH[type(node.op)]
        return lambda obs: fn(left(obs), right(obs))
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return lambda obs, v=float(value): v
        if isinstance(value, int | float):
            try:
                number = float(value)
            except OverflowError:
                raise InputError(f"number too large in condition '{text}'") from None
            return lambda obs, v=number: v
        if isinstance(value, str):
            m = month_index(*parse_month(value, f"condition '{text}'"))
            return lambda obs, v=float(m): v
    if isinstance(node, ast.Name):
        if node.id in ("true", "True"):
            return lambda obs: 1.0
        if node.id in ("false", "False"):
            return lambda obs: 0.0
        if node.id not in names:
            raise InputError(f"unknown name '{node.id}' in condition '{text}' "
                             f"(known: {', '.join(sorted(names))})")
        key = node.id
        return lambda obs: float(obs[key])
    raise InputError(
        f"not allowed in condition '{text}': {type(node).__name__}; use comparisons, "
        "and/or/not, + - * /, numbers, months in quotes and the observed names")


@dataclass(frozen=True)
class Rule:
    when: Expr
    do: dict[str, float]


def compile_rules(
    rules: list[Mapping], observables: set[str], actions: set[str]
) -> list[Rule]:
    """Compile a strategy's rules; errors say which rule and which part is wrong."""
    out = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            raise InputError(f"rule {i} must be a mapping with 'when' and 'do'")
        unknown = set(rule) - {"when", "do", "note"}
        if unknown:
            raise InputError(f"rule {i}: unknown field '{sorted(unknown)[0]}' "
                             "(a rule has 'when', 'do' and an optional 'note')")
        try:
            cond = compile_condition(rule.get("when", "always"), observables)
        except InputError as exc:
            raise InputError(f"rule {i}: {exc}") from None
        do = rule.get("do")
        if not isinstance(do, Mapping) or not do:
            raise InputError(f"rule {i}: 'do' must map actions to levels between 0 and 1")
        levels = {}
        for action, level in do.items():
            if action not in actions:
                raise InputError(f"rule {i}: unknown action '{action}' "
                                 f"(known: {', '.join(sorted(actions))})")
            if isinstance(level, bool) or not isinstance(level, int | float) \
                    or not 0.0 <= level <= 1.0:
                raise InputError(f"rule {i}: level of '{action}' must be a number "
                                 f"between 0 and 1, got {level!r}")
            levels[action] = float(level)
        out.append(Rule(cond, levels))
    return out


def apply_rules(rules: list[Rule], obs: Mapping[str, float], actions: list[str]) -> dict:
    """The action levels this month: 0 unless a matching rule sets them."""
    levels = dict.fromkeys(actions, 0.0)
    for rule in rules:
        if rule.when(obs):
            levels.update(rule.do)
    return levels
