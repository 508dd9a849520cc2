"""Colours, fonts and small helpers shared by the interactive and static figures.

Colours are Okabe and Ito's palette, which stays distinguishable under the
common colour-vision deficiencies; a theory or a strategy keeps its colour in
every figure of a report.
"""

from __future__ import annotations

from typing import Any

from inevitable.report.tables import theory_order

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
             "#000000"]
STRATEGY_COLOURS = ["#4D4D4D", "#E69F00", "#0072B2", "#CC79A7", "#009E73", "#D55E00"]
VERDICT_COLOURS = {"supported": "#009E73", "contradicted": "#D55E00",
                   "undecided": "#E69F00", "cannot test here": "#56B4E9",
                   "not tested": "#999999"}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
GAP_PAIR = ("sympathy", "public_support")


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def theory_colours(verdict: dict[str, Any]) -> dict[str | None, str]:
    keys = list(verdict["theories"]["posterior"])
    keys += [t for t in theory_order(verdict) if t not in keys]
    return {t: OKABE_ITO[i % len(OKABE_ITO)] for i, t in enumerate(keys)}


def strategy_colours(verdict: dict[str, Any]) -> dict[str, str]:
    names = list(dict.fromkeys([*verdict["fans"], *verdict["curve"]["strategies"],
                                *[a["strategy"] for a in verdict["compare"]["arms"]]]))
    return {s: STRATEGY_COLOURS[i % len(STRATEGY_COLOURS)] for i, s in enumerate(names)}


def factor_colours(names: list[str]) -> dict[str, str]:
    """A colour per factor of a sensitivity analysis, the strategy always black."""
    others = [n for n in names if n != "strategy"]
    out = {n: OKABE_ITO[i % (len(OKABE_ITO) - 1)] for i, n in enumerate(others)}
    return {**out, **({"strategy": "#000000"} if "strategy" in names else {})}


def month_date(label: str) -> str | int:
    """``1923-06`` -> ``1923-06-01``: plotly and matplotlib read it as a date."""
    if len(label) == 7 and label[4] == "-":
        return f"{label}-01"
    return int(label) if label.isdigit() else label  # a tick number


def series_label(verdict: dict[str, Any], name: str) -> str:
    info = (verdict.get("series") or {}).get(name) or {}
    label = info.get("label") or name.replace("_", " ")
    return f"{label} ({info['unit']})" if info.get("unit") else label
