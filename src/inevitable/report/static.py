"""Static versions of the figures (PNG and SVG) with matplotlib.

They exist for papers, slides and report.md, which cannot run JavaScript.
Figures are built as :class:`matplotlib.figure.Figure` objects without pyplot,
so nothing here touches matplotlib's global backend or state (the Agg canvas
is used explicitly), and SVGs are written without a date and with a fixed
hash salt so the same verdict gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from inevitable.report.formatting import fmt
from inevitable.report.style import GAP_PAIR, VERDICT_COLOURS, series_label
from inevitable.report.tables import assumption_order, outcome_kind, theory_name, theory_order

RC = {"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
      "svg.hashsalt": "inevitable", "svg.fonttype": "path"}


def _dates(labels: list[str]) -> list[date] | list[int]:
    """Months as dates; tick numbers (abstract scenarios) as integers."""
    if labels and not all(len(m) == 7 and m[4] == "-" for m in labels):
        return [int(m) for m in labels]
    return [date(int(m[:4]), int(m[5:7]), 1) for m in labels]


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def render(draw: Any, fmt: str) -> bytes:
    """Draw a figure and return its bytes as ``png`` or ``svg``."""
    with mpl.rc_context(RC):
        fig = draw()
        buf = io.BytesIO()
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=150, metadata=meta)
    return buf.getvalue()


def _pct(ax: Any, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(1.0, decimals=0))


def curve(verdict: dict[str, Any], colours: dict) -> Figure:
    fig = _figure(7, 3.8)
    ax = fig.add_subplot()
    cv = verdict["curve"]
    for th in theory_order(verdict):
        pts = [p for p in cv["points"] if p["theory"] == th]
        if not pts:
            continue
        x = _dates([p["branch"] for p in pts])
        lo = [p["inevitability"]["low"] for p in pts]
        hi = [p["inevitability"]["high"] for p in pts]
        ax.fill_between(x, lo, hi, color=colours[th], alpha=0.18, linewidth=0)
        ax.plot(x, [p["inevitability"]["value"] for p in pts], marker="o", markersize=3,
                color=colours[th], label=f"theory {theory_name(th)}")
    ax.set_ylim(0, 1.02)
    _pct(ax)
    ax.set_xlabel("strategy adopted from")
    ax.set_ylabel(f"chance of {cv['outcome']}\nwith the best strategy")
    ax.set_title("Inevitability curve, by theory", loc="left")
    ax.legend(frameon=False)
    return fig


def compare(verdict: dict[str, Any], colours: dict) -> Figure:
    c = verdict["compare"]
    outs = c["outcomes"]
    strategies = list(dict.fromkeys(a["strategy"] for a in c["arms"]))
    theories = [t for t in theory_order(verdict) if any(a["theory"] == t for a in c["arms"])]
    fig = _figure(3.2 * len(outs) + 0.5, 3.8)
    axes = fig.subplots(1, len(outs), squeeze=False)[0]
    width = 0.6 / max(len(theories), 1)
    for ax, o in zip(axes, outs, strict=True):
        for k, th in enumerate(theories):
            arms = [a for a in c["arms"] if a["theory"] == th]
            xs = [strategies.index(a["strategy"]) + (k - (len(theories) - 1) / 2) * width
                  for a in arms]
            est = [a[o] for a in arms]
            ys = [e["value"] if e["value"] is not None else float("nan") for e in est]
            err = [[max(0.0, e["value"] - e["low"]) if None not in (e["value"], e["low"])
                    else 0.0 for e in est],
                   [max(0.0, e["high"] - e["value"]) if None not in (e["value"], e["high"])
                    else 0.0 for e in est]]
            ax.errorbar(xs, ys, yerr=err, fmt="o", markersize=4, capsize=2,
                        color=colours[th], label=f"theory {theory_name(th)}")
        ax.set_xticks(range(len(strategies)), strategies, rotation=30, ha="right")
        ax.set_title(o, loc="left")
        if outcome_kind(verdict, o) == "prob":
            ax.set_ylim(0, 1.02)
            _pct(ax)
    axes[0].legend(frameon=False, fontsize=8)
    return fig


def _fan(ax: Any, f: dict[str, Any], colour: str, label: str) -> None:
    x = _dates(f["labels"])
    nan = float("nan")

    def q(k: str) -> list[float]:
        return [v if v is not None else nan for v in f[k]]

    ax.fill_between(x, q("q05"), q("q95"), color=colour, alpha=0.15, linewidth=0)
    ax.fill_between(x, q("q25"), q("q75"), color=colour, alpha=0.3, linewidth=0)
    ax.plot(x, q("q50"), color=colour, linewidth=1.5, label=label)


def gap(verdict: dict[str, Any], strategies: list[str], colours: dict) -> Figure:
    fig = _figure(3.6 * len(strategies) + 0.5, 3.4)
    axes = fig.subplots(1, len(strategies), squeeze=False, sharey=True)[0]
    for ax, st in zip(axes, strategies, strict=True):
        for name in GAP_PAIR:
            _fan(ax, verdict["fans"][st][name], colours[name], series_label(verdict, name))
        ax.set_title(st, loc="left")
    axes[0].legend(frameon=False, fontsize=8)
    return fig


def fans(verdict: dict[str, Any], series: list[str], colours: dict) -> Figure:
    cols = min(2, len(series))
    rows = -(-len(series) // cols)
    fig = _figure(3.6 * cols + 0.5, 2.8 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, name in enumerate(series):
        ax = axes[i // cols][i % cols]
        for st, by_series in verdict["fans"].items():
            if name in by_series:
                _fan(ax, by_series[name], colours[st], st)
        ax.set_title(series_label(verdict, name), loc="left")
    for j in range(len(series), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    axes[0][0].legend(frameon=False, fontsize=8)
    return fig


def sensitivity(verdict: dict[str, Any]) -> Figure:
    s = verdict["sensitivity"]
    names = s["names"][::-1]
    fig = _figure(6, 0.9 + 0.38 * len(names))
    ax = fig.add_subplot()
    ys = range(len(names))
    for off, key, colour, label in ((0.2, "S1", "#56B4E9", "first order (alone)"),
                                    (-0.2, "ST", "#0072B2", "total (with interactions)")):
        vals = [v if v is not None else 0.0 for v in s[key][::-1]]
        conf = [v if v is not None else 0.0 for v in s[f"{key}_conf"][::-1]]
        ax.barh([y + off for y in ys], vals, height=0.38, xerr=conf, color=colour,
                label=label, error_kw={"linewidth": 0.8})
    ax.set_yticks(list(ys), names)
    ax.set_xlabel(f"share of the variance of {s['outcome']}")
    ax.legend(frameon=False, fontsize=8)
    return fig


def convergence(verdict: dict[str, Any], colours: dict) -> Figure:
    """The Sobol indices against the base samples, first order and total side by side."""
    s = verdict["sensitivity"]
    levels = [lv for lv in s.get("convergence") or [] if not lv.get("constant")]
    xs = [lv["samples"] for lv in levels]
    names = s["names"]
    fig = _figure(7, 3.9)
    axes = fig.subplots(1, 2, sharey=True)
    nan = float("nan")
    for ax, key, title in ((axes[0], "S1", "first order (alone)"),
                           (axes[1], "ST", "total (with interactions)")):
        for i, name in enumerate(names):
            dodge = 2 ** (0.05 * (i - (len(names) - 1) / 2))  # bars side by side, not stacked
            ys = [lv[key][i] if lv[key][i] is not None else nan for lv in levels]
            err = [lv[f"{key}_conf"][i] or 0.0 for lv in levels]
            ax.errorbar([x * dodge for x in xs], ys, yerr=err, marker="o", markersize=3,
                        capsize=2, linewidth=1.2, color=colours[name], label=name)
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.minorticks_off()
        ax.set_xlabel("base samples N")
        ax.set_title(title, loc="left")
    axes[0].set_ylabel(f"Sobol index of {s['outcome']}")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(names), 4),
               frameon=False, fontsize=7)
    return fig


def posterior(verdict: dict[str, Any], colours: dict) -> Figure:
    post = verdict["theories"]["posterior"]
    fig = _figure(4, 3)
    ax = fig.add_subplot()
    keys = list(post)
    bars = ax.bar(keys, [post[k] for k in keys], color=[colours[k] for k in keys])
    ax.bar_label(bars, labels=[fmt(post[k], "prob") for k in keys])
    ax.set_ylim(0, 1.1)
    _pct(ax)
    ax.set_ylabel("posterior probability")
    return fig


def assumptions(verdict: dict[str, Any]) -> Figure:
    a = [verdict["assumptions"][i] for i in assumption_order(verdict)][::-1]
    fig = _figure(6, 0.9 + 0.45 * len(a))
    ax = fig.add_subplot()
    for y, x in enumerate(a):
        lo, hi = x["verdict_at_low"], x["verdict_at_high"]
        if lo is not None and hi is not None:
            ax.plot([lo, hi], [y, y], color="#999999", linewidth=3, zorder=1)
    for key, colour, marker, label in (("low", "#56B4E9", "o", "at the low end"),
                                       ("high", "#D55E00", "D", "at the high end")):
        pts = [(x[f"verdict_at_{key}"], y) for y, x in enumerate(a)
               if x[f"verdict_at_{key}"] is not None]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], color=colour, marker=marker,
                   zorder=2, label=label)
    headline = (verdict["answer"].get("numbers") or [None])[0]
    if headline and headline.get("value") is not None:
        ax.axvline(headline["value"], color="black", linestyle=":", linewidth=1)
    ax.set_yticks(range(len(a)), [x["name"] for x in a])
    ax.set_xlim(0, 1)
    _pct(ax, "x")
    ax.set_xlabel("verdict")
    ax.legend(frameon=False, fontsize=8)
    return fig


def claims(verdict: dict[str, Any], authors: list[str]) -> Figure:
    fig = _figure(6, 0.9 + 0.4 * len(authors))
    ax = fig.add_subplot()
    left = [0] * len(authors)
    for v, colour in VERDICT_COLOURS.items():
        counts = [sum(c["author"] == a and c["verdict"] == v for c in verdict["claims"])
                  for a in authors]
        ax.barh(authors, counts, left=left, color=colour, label=v)
        left = [x + y for x, y in zip(left, counts, strict=True)]
    ax.set_xlabel("claims")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=8, ncols=4, loc="upper center",
              bbox_to_anchor=(0.5, -0.35))
    return fig
