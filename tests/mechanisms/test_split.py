"""A split prepared in time shelters the cadre and recruits once the party is closed.

Marot's advice (prepare a split and a new party once the apparatus holds the
party) had only costs in the model: a breach, a hunted cadre, the Left in
opposition. ``cadre`` now builds a prepared organisation while a split is
prepared, and after the leaders' expulsion ``repression`` hunts it less
(``split_shelter``) and it recruits non-party workers (``split_recruit``).
These tests pin what that changes and what it leaves alone.
"""

from __future__ import annotations

import numpy as np

from inevitable.experiments.runs import RunSpec, batches, execute
from inevitable.scenarios.loader import scenario

SC = scenario("soviet-1923")
# under N the class-struggle strategy is expelled in every one of these seeds, after
# preparing its split for over a year
BASE = {"theory": "N", "strategy": "class-struggle"}
NO_BENEFIT = {"split_shelter": 0.0, "split_recruit": 0.0}
BENEFIT = {"split_shelter": 0.8, "split_recruit": 0.06}
SEEDS = range(20)


def _runs(params: dict, seeds=SEEDS) -> list:
    specs = [RunSpec(params={**BASE, **params}, seed=s) for s in seeds]
    return [r for b in batches(SC, specs, len(specs), series=True) for r in execute(b)]


def test_a_prepared_split_keeps_more_cadre_after_the_expulsion():
    helped, plain = _runs(BENEFIT), _runs(NO_BENEFIT)
    gains = []
    for a, b in zip(helped, plain, strict=True):
        e = a.final["expulsion_month"]
        assert e == b.final["expulsion_month"] >= 0
        assert a.series["split_prepared"][e] > 0.5  # prepared well before the blow
        # nothing differs until the party is closed to the Opposition
        for name in a.series:
            assert np.array_equal(a.series[name][: e + 1], b.series[name][: e + 1]), name
        gains.append(a.series["cadre"][e + 1:].mean() - b.series["cadre"][e + 1:].mean())
    gains = np.array(gains)
    assert (gains > 0).sum() >= 18, gains
    assert np.median([r.final["cadre"] for r in helped]) > \
        2 * np.median([r.final["cadre"] for r in plain])


def test_the_shelter_alone_means_fewer_deported():
    sheltered = _runs({"split_shelter": 0.8, "split_recruit": 0.0}, range(10))
    plain = _runs(NO_BENEFIT, range(10))
    fewer = [a.final["deported"] < b.final["deported"]
             for a, b in zip(sheltered, plain, strict=True)]
    assert sum(fewer) >= 8


def test_without_its_benefits_the_prepared_organisation_changes_nothing_else():
    """With split_shelter = split_recruit = 0 a split has only its old costs: how much
    is prepared moves no other bit (and with nothing prepared the benefits move none)."""
    seeds = range(4)
    runs = {
        "default build": _runs(NO_BENEFIT, seeds),
        "fast build": _runs({**NO_BENEFIT, "split_build": 0.3}, seeds),
        "no build, benefits": _runs({**BENEFIT, "split_build": 0.0}, seeds),
    }
    ref = runs["default build"]
    for label, rs in runs.items():
        for a, b in zip(rs, ref, strict=True):
            for name in a.series:
                if name != "split_prepared":
                    assert np.array_equal(a.series[name], b.series[name]), (label, name)
    for r in runs["no build, benefits"]:
        assert np.all(r.series["split_prepared"] == 0)
    # the share prepared grows from the first month a split is prepared, and faster
    # with a faster build
    for slow, fast in zip(runs["default build"], runs["fast build"], strict=True):
        level = slow.series["act_prepare_split"]
        first = int(np.argmax(level > 0))
        assert first > 0 and np.all(slow.series["split_prepared"][:first] == 0)
        assert 0 < slow.series["split_prepared"][first] < fast.series["split_prepared"][first]
