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


# -- the same language as a table, for compiled kernels ------------------------------
# A condition becomes postfix code for a small stack machine: each instruction
# is (opcode, argument). Compiled code interprets the table, so a strategy
# stays data (parsed here, checked above, never eval'd) and runs without Python.
OP_CONST, OP_OBS, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_NOT, OP_AND, OP_OR = range(10)
OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE = range(10, 16)
_CMP_CODE = {ast.Lt: OP_LT, ast.LtE: OP_LE, ast.Gt: OP_GT, ast.GtE: OP_GE, ast.Eq: OP_EQ,
             ast.NotEq: OP_NE}
_ARITH_CODE = {ast.Add: OP_ADD, ast.Sub: OP_SUB, ast.Mult: OP_MUL, ast.Div: OP_DIV}


def condition_code(text: str, names: list[str]) -> list[tuple[int, float]]:
    """A condition as postfix code over ``names`` (observables, by position).

    Checked first by :func:`compile_condition`, so it accepts exactly the same
    texts and fails with the same messages. Evaluating every operand (no
    short cut) gives the same value as the interpreter above, because
    expressions have no side effects and division by zero is 0.
    """
    compile_condition(text, set(names))
    text = str(text).strip()
    if text in ("", "always", "true", "True"):
        return [(OP_CONST, 1.0)]
    code: list[tuple[int, float]] = []
    _emit(ast.parse(text, mode="eval").body, names, code)
    return code


def _emit(node: ast.AST, names: list[str], code: list[tuple[int, float]]) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _emit(v, names, code)
        code.append((OP_AND if isinstance(node.op, ast.And) else OP_OR, float(len(node.values))))
    elif isinstance(node, ast.UnaryOp):
        _emit(node.operand, names, code)
        code.append((OP_NOT if isinstance(node.op, ast.Not) else OP_NEG, 0.0))
    elif isinstance(node, ast.Compare):
        terms = [node.left, *node.comparators]
        for op, a, b in zip(node.ops, terms, terms[1:], strict=False):
            _emit(a, names, code)
            _emit(b, names, code)
            code.append((_CMP_CODE[type(op)], 0.0))
        if len(node.ops) > 1:
            code.append((OP_AND, float(len(node.ops))))
    elif isinstance(node, ast.BinOp):
        _emit(node.left, names, code)
        _emit(node.right, names, code)
        code.append((_ARITH_CODE[type(node.op)], 0.0))
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            value = month_index(*parse_month(value))
        code.append((OP_CONST, float(value)))
    elif isinstance(node, ast.Name):
        if node.id in ("true", "True", "false", "False"):
            code.append((OP_CONST, 1.0 if node.id in ("true", "True") else 0.0))
        else:
            code.append((OP_OBS, float(names.index(node.id))))
    else:  # compile_condition has refused it already
        raise InputError(f"not allowed in a condition: {type(node).__name__}")


def stack_depth(code: list[tuple[int, float]]) -> int:
    """The deepest the evaluation stack goes for ``code``."""
    depth = top = 0
    for op, arg in code:
        if op in (OP_CONST, OP_OBS):
            top += 1
        elif op in (OP_AND, OP_OR):
            top -= int(arg) - 1
        elif op not in (OP_NEG, OP_NOT):
            top -= 1
        depth = max(depth, top)
    return depth
