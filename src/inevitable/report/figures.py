"""The report's figures: interactive (plotly) for the page, static (matplotlib)
for files, from the same verdict and with the same captions.

Every figure has an id (its HTML anchor and its file name), a title and a
caption written through the shared formatter, so a number in a caption is a
number of verdict.json. Colours are Okabe and Ito's, distinguishable with the
common colour-vision deficiencies; every series is also named in a legend or
an axis, never told by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from inevitable.report import static
from inevitable.report.sensitivity import agency_title
from inevitable.report.style import (
    FONT,
    GAP_PAIR,
    VERDICT_COLOURS,
    factor_colours,
    month_date,
    rgba,
    series_label,
    strategy_colours,
    theory_colours,
)
from inevitable.report.tables import (
    Numbers,
    assumption_order,
    outcome_kind,
    theory_name,
    theory_order,
)


@dataclass
class Figure:
    """One figure: ``plotly`` is a {data, layout} spec; ``static`` draws it with
    matplotlib (see :mod:`inevitable.report.static`)."""

    id: str
    title: str
    caption: str
    plotly: go.Figure
    static: Callable[[], Any]

    @property
    def file(self) -> str:
        return self.id.removeprefix("fig-")

    @property
    def title_sentence(self) -> str:
        """The title as it starts a caption: ending in one mark of punctuation."""
        return self.title if self.title[-1:] in ".?!" else self.title + "."


def _layout(fig: go.Figure, title: str, height: int = 420, panels: bool = False,
            **kw: Any) -> go.Figure:
    """House style: title top left, legend top right (above the panels' own titles)."""
    top = 110 if panels else 80
    fig.update_layout(title={"text": title, "x": 0, "xanchor": "left", "y": 1 - 18 / height,
                             "yanchor": "top"},
                      height=height, template="simple_white",
                      font={"family": FONT, "size": 13},
                      margin={"l": 60, "r": 20, "t": top, "b": 60}, hovermode="closest",
                      legend={"orientation": "h", "yanchor": "bottom",
                              "y": 1 + (50 if panels else 20) / (height - top - 60),
                              "xanchor": "right", "x": 1}, **kw)
    return fig


def curve_figure(verdict: dict[str, Any], nums: Numbers) -> Figure:
    cv = verdict["curve"]
    colours = theory_colours(verdict)
    fig = go.Figure()
    for th in theory_order(verdict):
        pts = [p for p in cv["points"] if p["theory"] == th]
        if not pts:
            continue
        x = [month_date(p["branch"]) for p in pts]
        lo = [p["inevitability"]["low"] for p in pts]
        hi = [p["inevitability"]["high"] for p in pts]
        c = colours[th]
        fig.add_trace(go.Scatter(x=x + x[::-1], y=hi + lo[::-1], fill="toself", mode="lines",
                                 fillcolor=rgba(c, 0.18), line={"width": 0},
                                 hoverinfo="skip", showlegend=False,
                                 name=f"{theory_name(th)} 95% band"))
        fig.add_trace(go.Scatter(
            x=x, y=[p["inevitability"]["value"] for p in pts], mode="lines+markers",
            name=(f"theory {theory_name(th)}, posterior "
                  f"{nums(f'theories.posterior.{th}', 'prob')}"
                  if th in verdict["theories"]["posterior"] else f"theory {theory_name(th)}"),
            line={"color": c, "width": 2.5},
            customdata=[[p["best"]] for p in pts],
            hovertemplate="%{x|%Y-%m}: %{y:.1%} (best strategy: %{customdata[0]})"
                          "<extra>" + theory_name(th) + "</extra>"))
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%",
                     title=f"chance of {cv['outcome']} with the best strategy")
    fig.update_xaxes(title="strategy adopted from", tickformat="%Y-%m")
    caption = (f"Inevitability of {cv['outcome']} by the date from which the Opposition "
               f"changes course: one minus the best chance any of "
               f"{len(cv['strategies'])} strategies has of avoiding it, measured on seeds "
               "held out from the choice of the best. Bands are 95% intervals; one line "
               "per theory. A flat line near 100% means the outcome was decided before "
               "1923; a rising line dates when the fight was lost.")
    return Figure("fig-curve", "When did the outcome become inevitable?", caption,
                  _layout(fig, "Inevitability curve, by theory"),
                  lambda: static.curve(verdict, colours))


def compare_figure(verdict: dict[str, Any], nums: Numbers) -> Figure:
    c = verdict["compare"]
    outs = c["outcomes"]
    colours = theory_colours(verdict)
    strategies = list(dict.fromkeys(a["strategy"] for a in c["arms"]))
    theories = [t for t in theory_order(verdict)
                if any(a["theory"] == t for a in c["arms"])]
    fig = make_subplots(rows=1, cols=len(outs), subplot_titles=outs, shared_yaxes=False)
    width = 0.6 / max(len(theories), 1)
    for j, o in enumerate(outs, start=1):
        for k, th in enumerate(theories):
            arms = [a for a in c["arms"] if a["theory"] == th]
            xs = [strategies.index(a["strategy"]) + (k - (len(theories) - 1) / 2) * width
                  for a in arms]
            est = [a[o] for a in arms]
            ys = [e["value"] for e in est]
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="markers", marker={"color": colours[th], "size": 8},
                name=f"theory {theory_name(th)}", legendgroup=str(th), showlegend=j == 1,
                error_y={"type": "data", "symmetric": False,
                         "array": [(e["high"] - e["value"]) if e["high"] is not None
                                   and e["value"] is not None else 0 for e in est],
                         "arrayminus": [(e["value"] - e["low"]) if e["low"] is not None
                                        and e["value"] is not None else 0 for e in est],
                         "color": colours[th]},
                customdata=[[a["strategy"], e["low"], e["high"]] for a, e in
                            zip(arms, est, strict=True)],
                hovertemplate="%{customdata[0]}: %{y:.3g} [%{customdata[1]:.3g}, "
                              "%{customdata[2]:.3g}]<extra>" + theory_name(th) + "</extra>"),
                row=1, col=j)
        fig.update_xaxes(tickvals=list(range(len(strategies))), ticktext=strategies,
                         tickangle=-30, row=1, col=j)
        if outcome_kind(verdict, o) == "prob":
            fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=j)
    caption = (f"Each strategy's chance of each outcome, from {nums('compare.reps', 'int')} "
               "paired runs per arm (the same seeds for every strategy), with 95% intervals, "
               "by theory. The paired differences against the reference strategy "
               f"'{c['reference']}' are in the table below.")
    return Figure("fig-compare", "What could the Opposition have done?", caption,
                  _layout(fig, "Chances of each outcome, by strategy and theory", height=500,
                          panels=True),
                  lambda: static.compare(verdict, colours))


def _fan_traces(fig: go.Figure, f: dict[str, Any], name: str, colour: str,
                row: int, col: int, show: bool, group: str) -> None:
    x = [month_date(m) for m in f["labels"]]
    for lo, hi, alpha in (("q05", "q95", 0.15), ("q25", "q75", 0.3)):
        fig.add_trace(go.Scatter(x=x + x[::-1], y=f[hi] + f[lo][::-1], fill="toself",
                                 mode="lines", fillcolor=rgba(colour, alpha),
                                 line={"width": 0},
                                 hoverinfo="skip", showlegend=False, legendgroup=group,
                                 name=f"{name} {lo}-{hi}"), row=row, col=col)
    fig.add_trace(go.Scatter(x=x, y=f["q50"], mode="lines", line={"color": colour, "width": 2},
                             name=name, legendgroup=group, showlegend=show,
                             hovertemplate="%{x|%Y-%m}: %{y:.3g}<extra>" + name + "</extra>"),
                  row=row, col=col)


def gap_figure(verdict: dict[str, Any], nums: Numbers) -> Figure | None:
    """Private sympathy against public support, per strategy: the silence of 1927."""
    fans = verdict["fans"]
    strategies = [s for s in fans if all(k in fans[s] for k in GAP_PAIR)]
    if not strategies:
        return None
    colours = dict(zip(GAP_PAIR, ["#0072B2", "#D55E00"], strict=True))
    fig = make_subplots(rows=1, cols=len(strategies), subplot_titles=strategies,
                        shared_yaxes=True)
    for j, st in enumerate(strategies, start=1):
        for name in GAP_PAIR:
            _fan_traces(fig, fans[st][name], series_label(verdict, name), colours[name],
                        1, j, j == 1, name)
    caption = ("Private sympathy for the Opposition and public support for it, month by "
               "month: median over the runs with 50% and 90% bands, for "
               + " and ".join(f"'{s}'" for s in strategies)
               + ". The gap between the two is preference falsification: workers who "
               "sympathise but keep silent.")
    return Figure("fig-gap", "Sympathy versus public support", caption,
                  _layout(fig, "Private sympathy vs public support", height=440, panels=True),
                  lambda: static.gap(verdict, strategies, colours))


def fans_figure(verdict: dict[str, Any], nums: Numbers) -> Figure | None:
    fans = verdict["fans"]
    strategies = list(fans)
    has_gap = any(all(k in fans[s] for k in GAP_PAIR) for s in strategies)
    series = list(dict.fromkeys(k for s in strategies for k in fans[s]
                                if not (has_gap and k in GAP_PAIR)))
    if not series:
        return None
    colours = strategy_colours(verdict)
    cols = min(2, len(series))
    rows = -(-len(series) // cols)
    fig = make_subplots(rows=rows, cols=cols,
                        subplot_titles=[series_label(verdict, s) for s in series],
                        vertical_spacing=0.14)
    for i, name in enumerate(series):
        r, c = divmod(i, cols)
        for st in strategies:
            if name in fans[st]:
                _fan_traces(fig, fans[st][name], st, colours[st], r + 1, c + 1, i == 0, st)
    caption = ("Key series under " + " and ".join(f"'{s}'" for s in strategies)
               + ": median over the runs (line) with 50% and 90% bands.")
    return Figure("fig-fans", "What the runs looked like", caption,
                  _layout(fig, "Fan charts of key series", height=80 + 330 * rows,
                          panels=True),
                  lambda: static.fans(verdict, series, colours))


def sensitivity_figure(verdict: dict[str, Any], nums: Numbers) -> Figure:
    s = verdict["sensitivity"]
    names = s["names"][::-1]
    fig = go.Figure()
    for key, colour, label in (("S1", "#56B4E9", "first order (alone)"),
                               ("ST", "#0072B2", "total (with interactions)")):
        fig.add_trace(go.Bar(y=names, x=s[key][::-1], orientation="h", name=label,
                             marker_color=colour,
                             error_x={"type": "data", "array": [v or 0 for v in
                                                                s[f"{key}_conf"][::-1]]},
                             hovertemplate="%{y}: %{x:.3f}<extra>" + label + "</extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title=f"share of the variance of {s['outcome']}")
    caption = ("Structure versus agency: Sobol indices of " + s["outcome"] + " over the priors "
               "of the objective conditions and the choice of strategy"
               + (f" between {s['contrast'][0]} and the best alternative, {s['contrast'][1]}"
                  if s.get("contrast") else "")
               + ", with 95% bootstrap half-widths. The strategy's total index is the share "
               f"of agency ({agency_title(verdict, nums)}); the rest is structure.")
    return Figure("fig-sensitivity", "Structure or agency?", caption,
                  _layout(fig, f"Structure vs agency ({agency_title(verdict, nums)})",
                          height=120 + 50 * len(names)),
                  lambda: static.sensitivity(verdict))


def convergence_figure(verdict: dict[str, Any], nums: Numbers) -> Figure | None:
    """The Sobol indices against the base samples N (nested prefixes of one design)."""
    s = verdict["sensitivity"]
    levels = [lv for lv in s.get("convergence") or [] if not lv.get("constant")]
    if not levels:
        return None
    xs = [lv["samples"] for lv in levels]
    colours = factor_colours(s["names"])
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True,
                        subplot_titles=["first order (alone)", "total (with interactions)"])
    k = len(s["names"])
    for col, key in ((1, "S1"), (2, "ST")):
        for i, name in enumerate(s["names"]):
            dodge = 2 ** (0.05 * (i - (k - 1) / 2))  # bars side by side, not stacked
            fig.add_trace(go.Scatter(
                x=[x * dodge for x in xs], y=[lv[key][i] for lv in levels],
                mode="lines+markers", name=name, customdata=xs,
                legendgroup=name, showlegend=col == 1,
                line={"color": colours[name], "width": 2},
                error_y={"type": "data", "array": [lv[f"{key}_conf"][i] or 0 for lv in levels],
                         "color": colours[name], "thickness": 1},
                hovertemplate="N = %{customdata}: %{y:.3f}<extra>" + name + "</extra>"),
                row=1, col=col)
        fig.update_xaxes(type="log", tickvals=xs, ticktext=[str(x) for x in xs],
                         title="base samples N", row=1, col=col)
    fig.update_yaxes(title=f"Sobol index of {s['outcome']}", row=1, col=1)
    caption = (f"The Sobol indices of {s['outcome']} from the first N base samples of the "
               f"same {nums('sensitivity.samples', 'int')}-sample design (nested prefixes, "
               "no extra runs), with 95% bootstrap half-widths. Bars that shrink about as "
               "one over the square root of N and estimates that stop moving mean N was "
               f"enough; a finding needs a half-width of at most "
               f"{nums('sensitivity.precision', 'index')}.")
    return Figure("fig-sensitivity-convergence", "Enough base samples?", caption,
                  _layout(fig, "Sobol indices against the base samples", height=440,
                          panels=True),
                  lambda: static.convergence(verdict, colours))


def posterior_figure(verdict: dict[str, Any], nums: Numbers) -> Figure:
    th = verdict["theories"]
    colours = theory_colours(verdict)
    keys = list(th["posterior"])
    fig = go.Figure(go.Bar(x=keys, y=[th["posterior"][k] for k in keys],
                           marker_color=[colours[k] for k in keys],
                           text=[nums(f"theories.posterior.{k}", "prob") for k in keys],
                           textposition="outside",
                           hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%", title="posterior probability")
    fig.update_xaxes(title="theory")
    caption = (f"How well each theory reproduces the record ({th['method']}, "
               f"{nums('theories.simulations', 'int')} simulations). {th['note']}")
    return Figure("fig-posterior", "Which theory does the record favour?", caption,
                  _layout(fig, "Theory posterior", height=360, showlegend=False),
                  lambda: static.posterior(verdict, colours))


def assumptions_figure(verdict: dict[str, Any], nums: Numbers) -> Figure | None:
    order = assumption_order(verdict)
    if not order:
        return None
    a = [verdict["assumptions"][i] for i in order][::-1]
    names = [x["name"] for x in a]
    fig = go.Figure()
    for x in a:
        fig.add_trace(go.Scatter(x=[x["verdict_at_low"], x["verdict_at_high"]],
                                 y=[x["name"]] * 2, mode="lines", showlegend=False,
                                 line={"color": "#999999", "width": 3}, hoverinfo="skip"))
    for key, colour, symbol, label in (("low", "#56B4E9", "circle", "at the low end"),
                                       ("high", "#D55E00", "diamond", "at the high end")):
        fig.add_trace(go.Scatter(
            x=[x[f"verdict_at_{key}"] for x in a], y=names, mode="markers", name=label,
            marker={"color": colour, "size": 11, "symbol": symbol},
            customdata=[[x[key]] for x in a],
            hovertemplate="%{y} = %{customdata[0]:.3g}: %{x:.1%}<extra></extra>"))
    headline = (verdict["answer"].get("numbers") or [None])[0]
    if headline and headline.get("value") is not None:
        fig.add_vline(x=headline["value"], line_dash="dot", line_color="#000000")
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title="verdict")
    caption = ("How the verdict moves when each assumption is set to the low or the high end "
               "of its plausible range, the others held at the scenario's values (one at a "
               "time; the tipping curves vary the rest); the "
               "assumptions that move it most are at the top."
               + (" The dotted line is the headline number." if headline else ""))
    return Figure("fig-assumptions", "The assumptions that matter most", caption,
                  _layout(fig, "What the verdict rests on", height=140 + 60 * len(a)),
                  lambda: static.assumptions(verdict))


def claims_figure(verdict: dict[str, Any], nums: Numbers) -> Figure | None:
    claims = verdict["claims"]
    if not claims:
        return None
    authors = list(dict.fromkeys(c["author"] for c in claims))[::-1]
    fig = go.Figure()
    for v, colour in VERDICT_COLOURS.items():
        counts = [sum(c["author"] == a and c["verdict"] == v for c in claims) for a in authors]
        fig.add_trace(go.Bar(y=authors, x=counts, orientation="h", name=v,
                             marker_color=colour,
                             hovertemplate="%{y}: %{x} " + v + "<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="claims", dtick=1)
    caption = ("The claims ledger at a glance: each author's claims by what the model says "
               "about them. Claim by claim, with the evidence, in the table below.")
    return Figure("fig-claims", "The claims ledger", caption,
                  _layout(fig, "Claims by author and verdict", height=160 + 50 * len(authors)),
                  lambda: static.claims(verdict, authors))


BUILDERS = (curve_figure, compare_figure, gap_figure, fans_figure, sensitivity_figure,
            convergence_figure, posterior_figure, claims_figure, assumptions_figure)


def build_figures(verdict: dict[str, Any], nums: Numbers) -> dict[str, Figure]:
    """All figures the verdict has data for, by id (a section with no data has none)."""
    out: dict[str, Figure] = {}
    for build in BUILDERS:
        f = build(verdict, nums)
        if f is not None:
            out[f.id] = f
    return out
