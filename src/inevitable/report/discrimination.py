"""The report's discrimination table: which targets tell the theories apart.

Numbers come from verdict.json ``discrimination`` by path, through
:class:`~inevitable.report.tables.Numbers`, like every other table, so the
check that report.md and verdict.json agree covers them. The words of each
row ("favours T, C over N", "does not discriminate") are the experiment's
own (``reading``): the report does not judge a contrast a second time.
"""

from __future__ import annotations

from typing import Any

from inevitable.report.tables import Numbers, Table

_PLACE = "discrimination"


def _record(row: dict[str, Any], nums: Numbers, p: str) -> str:
    """The record as the calibration reads it: a value with its sd, or a range."""
    if row.get("value") is not None:
        return f"{nums(f'{p}.value', 'number')} ± {nums(f'{p}.sd', 'number')}"
    return f"{nums(f'{p}.low', 'number')} to {nums(f'{p}.high', 'number')}"


def discrimination_table(v: dict[str, Any], nums: Numbers) -> Table:
    """Per target: each theory's mean error, the reading and the contrast behind it."""
    d = v[_PLACE]
    theories = d["theories"]
    t = Table("table-discrimination",
              "Which targets tell the theories apart. Per theory, the mean standardised "
              "error of its runs on the target (0: on the record or inside its range; 1: one "
              "sd or one half-width off); what the target favours; the log-likelihood ratio "
              "of the record between the best theory and the nearest theory behind it (or, "
              "with none behind, the farthest), in nats, and the least ratio the Monte Carlo "
              "bounds still allow (at least). Targets that discriminate come first, the "
              "others nearest to a finding first",
              ["target", "record", *theories, "reading", "log ratio", "at least"],
              [False, False, *[True] * len(theories), False, True, True])
    for i, row in enumerate(d["rows"]):
        p = f"{_PLACE}.rows[{i}]"
        t.rows.append([row["target"], _record(row, nums, p),
                       *[nums(f"{p}.fits.{th}.mean_error", "number") for th in theories],
                       row["reading"], nums(f"{p}.log_ratio", "number"),
                       nums(f"{p}.log_ratio_low", "number")])
    return t


def fits_table(v: dict[str, Any], nums: Numbers) -> Table:
    """Every (target, theory): runs, mean error, share agreeing, log likelihood and bounds."""
    d = v[_PLACE]
    t = Table("table-discrimination-fits",
              "Each theory's runs against each target: the runs, their mean standardised "
              "error, the share of them that agree with the record (within 2 sd, or inside "
              "the range) and the log predictive likelihood of the record (the log of the "
              "mean of exp(-error²/2) over the runs; 0 when every run agrees exactly) with "
              "its Monte Carlo bounds (n/a: no lower bound, no run near the record)",
              ["target", "theory", "runs", "mean error", "agree", "log likelihood"],
              [False, False, True, True, True, True])
    for i, row in enumerate(d["rows"]):
        for th in d["theories"]:
            p = f"{_PLACE}.rows[{i}].fits.{th}"
            t.rows.append([row["target"], th, nums(f"{p}.runs", "int"),
                           nums(f"{p}.mean_error", "number"), nums(f"{p}.agree", "prob"),
                           f"{nums(f'{p}.log_likelihood', 'number')} "
                           f"[{nums(f'{p}.low', 'number')}, {nums(f'{p}.high', 'number')}]"])
    return t


def method_paragraph(v: dict[str, Any], nums: Numbers) -> str:
    d = v[_PLACE]
    runs = ", ".join(f"{th} {nums(f'{_PLACE}.runs.{th}', 'int')}" for th in d["theories"])
    return ("The posterior above weighs the theories on the whole record at once; here each "
            f"target is taken alone, on {d['method']} (runs: {runs}). Each theory's "
            "likelihood of the record gets Monte Carlo bounds as a count does (one-sided at "
            f"{nums(f'{_PLACE}.threshold', 'number')} standard errors), so that a theory "
            "whose runs merely happened to miss the record is not counted against it. A "
            "theory is behind the best when its upper bound lies below the best's lower "
            f"bound and the gap reaches {nums(f'{_PLACE}.min_gap', 'number')} nat; a gap "
            "within the bounds is Monte Carlo noise, a smaller one not worth a mention, and "
            "then the target does not discriminate. With these runs no gap can be guaranteed "
            f"beyond {nums(f'{_PLACE}.resolution', 'number')} nats, whatever the theories.")


def summary_paragraph(v: dict[str, Any], nums: Numbers) -> str:
    d = v[_PLACE]
    s = f"{_PLACE}.summary"
    theories = d["theories"]
    favour = ", ".join(f"{th} {nums(f'{s}.favouring.{th}', 'int')}" for th in theories)
    against = ", ".join(f"{th} {nums(f'{s}.against.{th}', 'int')}" for th in theories)
    return (f"{nums(f'{s}.discriminating', 'int')} of {nums(f'{s}.targets', 'int')} targets "
            f"tell the theories apart beyond Monte Carlo error. Targets favouring each theory: "
            f"{favour}; with the theory behind: {against}.")


CAVEATS = ("How to read it. The likelihood is the record's own Gaussian error (a flat top "
           "over a range) averaged over a theory's runs, so a theory scores well on a target "
           "when some of its runs land on the record, even if most miss; a mean error far "
           "larger than another theory's is therefore not by itself a finding. Its tail is an "
           "assumption: a large ratio says far worse, not literally those odds, and 'at "
           "least' can never exceed what the number of runs resolves. The targets are "
           "not independent (the membership series is one trajectory read five times), so the "
           "rows are not to be summed into a verdict on the theories: the posterior is that "
           "number.")
