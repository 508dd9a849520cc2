"""The flagship scenario: theories, strategies, ablations, common random numbers, the record."""

from __future__ import annotations

import numpy as np
import pytest

import inevitable as inv
from inevitable.errors import InputError
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet.patterns import PATTERNS, check
from inevitable.scenarios.loader import parse

SC = inv.scenario("soviet-1923")
STRATEGIES = ("historical", "class-struggle", "class-struggle-no-split", "switch",
              "bloc-holding-demands")
EXOGENOUS = ("hardship_index", "unemployment_rate", "grain_shortfall")
ACTION_SERIES = tuple(f"act_{a}" for a in k.ACTIONS)


def run(seed=1, **params):
    return SC.run(seed=seed, params=params)


def same(a, b, names):
    return all(np.array_equal(a.series[n], b.series[n]) for n in names)


@pytest.mark.parametrize("theory", k.THEORIES)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_theory_and_strategy_runs_to_the_end(theory, strategy):
    r = run(theory=theory, strategy=strategy)
    assert len(r.labels) == 84 and r.labels[-1] == "1929-12"
    assert r.final["defeat"] in (0, 1) and r.final["survival"] in (0, 1)
    for name in ("sympathy", "public_support", "fear", "apparatus_control"):
        assert np.all((r.series[name] >= 0) & (r.series[name] <= 1)), name
    assert np.all(r.series["members"] > 0) and np.all(r.series["cadre"] >= 0)


VOICE = {"agency_effect": 1.5, "abstain_effect": 1.0, "defend_effect": 1.0,
         "organisation_weight": 5.0, "demand_effect": 3.0}


@pytest.mark.parametrize(("seed", "strategy"), [(3, "historical"), (0, "class-struggle"),
                                                (1, "switch"), (2, "bloc-holding-demands")])
def test_under_theory_n_the_oppositions_voice_moves_nobody(seed, strategy):
    """N nests in the model: the channels through which the Opposition's deeds move
    sympathy and fear (its demands abroad included, through hope) are cut, so their
    sizes change no number of the run."""
    base = run(seed=seed, theory="N", strategy=strategy, success_chance=0.05)
    loud = run(seed=seed, theory="N", strategy=strategy, success_chance=0.05, **VOICE)
    assert same(base, loud, list(base.series)) and base.final == loud.final
    # under C the same parameters do change the run: the test can fail
    c = run(seed=seed, theory="C", strategy=strategy, success_chance=0.05)
    c_loud = run(seed=seed, theory="C", strategy=strategy, success_chance=0.05, **VOICE)
    assert not np.array_equal(c.series["sympathy"], c_loud.series["sympathy"])


def test_under_theory_n_the_bookkeeping_is_kept():
    """N keeps every count and the apparatus's answer to them: meetings, signatures and
    the breach are what the strategy did, so strategies still differ in what happens."""
    hist = run(seed=2, theory="N", strategy="historical")
    assert hist.final["signatures"] > 0 and hist.final["meeting_attendance"] > 0
    assert hist.series["leaders_expelled"][:12].max() == 0  # no breach declared from 1923
    cs = run(seed=2, theory="N", strategy="class-struggle")
    assert cs.final["expulsion_month"] != hist.final["expulsion_month"]


def test_theories_t_and_c_part_ways_when_workers_mobilise():
    t = [run(seed=s, theory="T", strategy="class-struggle") for s in range(6)]
    c = [run(seed=s, theory="C", strategy="class-struggle") for s in range(6)]
    assert any(not np.array_equal(a.series["cadre"], b.series["cadre"])
               for a, b in zip(t, c, strict=True))


def test_under_theory_c_strategy_matters():
    a = run(seed=3, theory="C", strategy="historical")
    b = run(seed=3, theory="C", strategy="class-struggle")
    assert not np.array_equal(a.series["sympathy"], b.series["sympathy"])


@pytest.mark.parametrize("when", ["1924-06", "1926-01", "1927-03"])
def test_switch_strategy_is_bit_identical_to_historical_before_its_date(when):
    hist = run(seed=5, strategy="historical")
    sw = run(seed=5, strategy="switch", switch_date=when)
    t = hist.labels.index(when)
    for name in hist.series:
        assert np.array_equal(hist.series[name][:t], sw.series[name][:t]), name
    assert not same(hist, sw, ["sympathy", "act_support_strikes"])


def test_a_rule_that_never_fires_changes_no_bit():
    text = SC.text.replace(
        "  bloc-holding-demands:\n",
        "  historical-plus-noop:\n    extends: historical\n    rules:\n"
        "      - when: month < \"1900-01\"\n        do: {prepare_split: 1.0}\n"
        "  bloc-holding-demands:\n", 1)
    sc2 = parse(text, "noop.yaml")
    a = SC.run(seed=2)
    b = sc2.run(seed=2, params={"strategy": "historical-plus-noop"})
    assert same(a, b, a.series) and a.final == b.final


ABLATIONS = {
    "repression_on": lambda r: np.all(r.series["arrests"] == 0)
    and np.all(r.series["police"] == 0),
    "recruitment_on": lambda r: np.all(r.series["recruits"] == 0),
    "international_on": lambda r: np.all(r.series["hope"] == 0.5),
    "patronage_on": lambda r: np.all(np.diff(r.series["apparatus_control"]) <= 1e-12),
    "policy_on": lambda r: np.all(r.series["policy_left"] == 0)
    and r.final["left_turn_month"] == -1,
    "coalitions_on": lambda r: np.all(r.series["leningrad_in_opposition"] == 0)
    and np.all(r.series["united_opposition"] == 0),
    "mobilisation_on": lambda r: np.all(r.series["public_support"] == 0)
    and np.all(r.series["strikes"] == 0),
    "retention_on": lambda r: True,
}


@pytest.mark.parametrize("switch", sorted(ABLATIONS))
def test_ablation_switches_change_what_they_should_and_nothing_else(switch):
    base = run(seed=4)
    off = run(seed=4, **{switch: False})
    assert ABLATIONS[switch](off), switch
    assert same(base, off, EXOGENOUS)  # the exogenous inputs never move
    assert not same(base, off, [n for n in base.series if n not in EXOGENOUS])


def test_retention_switch_acts_only_from_the_first_month_of_abstention():
    base = run(seed=4)
    off = run(seed=4, retention_on=False)
    first = int(np.argmax(base.series["act_abstain"] > 0))
    assert first > 0
    for name in base.series:
        assert np.array_equal(base.series[name][: first], off.series[name][: first]), name
    assert not np.array_equal(base.series["cadre"], off.series["cadre"])


def test_flagship_branch_from_a_snapshot_on_disk_is_bit_identical(tmp_path):
    full = SC.sim(seed=9, params={"strategy": "class-struggle"})
    full.run()
    part = SC.sim(seed=9, params={"strategy": "class-struggle"})
    part.run(until=40)
    again = inv.Snapshot.load(part.snapshot().save(tmp_path / "s.npz")).branch()
    again.run()
    for key in full.state:
        assert np.array_equal(full.state[key], again.state[key]), key
    for key in full.results:
        assert np.array_equal(full.results[key], again.results[key]), key


def test_every_parameter_has_a_source_or_is_an_assumption_with_a_prior():
    for name, decl in SC.decls.items():
        assert decl.source or decl.assumption, name
        if decl.assumption and decl.kind in ("float", "int"):
            assert name in SC.priors, f"assumption '{name}' has no prior"


def _elements():
    spec = SC.spec
    return {
        "mechanism": {m.name for m in SC.mechanisms},
        "param": set(SC.decls),
        "theory": set(k.THEORIES),
        "strategy": set(spec.strategies),
        "event": {e.name for e in spec.events},
        "target": {t.id for t in spec.targets},
        "outcome": {n for m in SC.mechanisms for n in m.finals},
        "series": {n for m in SC.mechanisms for n in m.series},
    }


def test_claims_ledger_points_at_existing_model_elements():
    elements = _elements()
    ids = {c.id for c in SC.spec.claims}
    assert len(ids) == len(SC.spec.claims) >= 30
    experiments = {"compare", "curve", "sensitivity", "discover", "calibrate", "validate",
                   "ablation", "chronicle"}
    for claim in SC.spec.claims:
        assert claim.encodes, claim.id
        for ref in claim.encodes:
            kind, _, name = ref.partition(":")
            assert name in elements[kind], f"{claim.id}: {ref}"
        for rel in claim.relations:
            assert rel.target in ids, f"{claim.id} -> {rel.target}"
        assert set(claim.tested_by) <= experiments, claim.id
    for m in SC.mechanisms:
        for cid in m.claims:
            assert cid in ids, f"mechanism {m.name} names unknown claim {cid}"
    for name, decl in SC.decls.items():
        for cid in decl.claim:
            assert cid in ids, f"parameter {name} names unknown claim {cid}"


def test_every_claim_author_of_the_review_is_covered():
    authors = {c.author for c in SC.spec.claims}
    assert {"Trotsky", "Cliff", "Marot"} <= authors
    cliff_pages = {c.page for c in SC.spec.claims if c.author == "Cliff"}
    assert {"12", "13", "15", "16", "17", "19", "26", "277"} <= cliff_pages


def test_targets_measure_quantities_the_model_produces():
    elements = _elements()
    for t in SC.spec.targets:
        assert t.quantity in elements["series"] | elements["outcome"], t.id
        assert t.source


# no date decides these any more (issue 12): their timing is now a calibration target,
# and the default parameters hit its window in fewer runs than the other patterns
ENDOGENOUS_TIMING = {"defeat in late 1927 or early 1928"}


def test_historical_run_under_c_reproduces_the_record_in_most_seeds():
    runs = [check(run(seed=s, theory="C", strategy="historical")) for s in range(40)]
    for name in PATTERNS:
        share = sum(r[name] for r in runs) / len(runs)
        assert share >= (0.3 if name in ENDOGENOUS_TIMING else 0.6), f"{name}: {share:.0%}"


def _expelled_by_mid_1928(r) -> bool:
    return 0 <= r.final["expulsion_month"] <= 65


def test_without_the_1927_demonstration_the_opposition_is_still_expelled_by_mid_1928():
    """The 15th Congress expelled the Opposition for factional work: replacing the
    November 1927 demonstration by organising a faction must not save it in most runs."""
    path = ",".join(["historical"] * 10 + ["organise-faction"])
    runs = [run(seed=s, theory="C", path=path) for s in range(30)]
    assert all(r.series["act_demonstrate"].max() == 0 for r in runs)
    assert sum(map(_expelled_by_mid_1928, runs)) / len(runs) >= 0.6


def test_the_bloc_forms_from_coalition_logic_not_a_date():
    """The United Opposition comes after Leningrad's break, at a month that varies."""
    runs = [run(seed=s, theory="C") for s in range(30)]
    formed = [r for r in runs if r.final["united_opposition_month"] >= 0]
    assert len(formed) >= 20
    assert all(r.final["united_opposition_month"] > r.final["leningrad_break_month"] >= 0
               for r in formed)
    assert len({r.final["united_opposition_month"] for r in formed}) >= 4
    # and not without Leningrad's break: with coalitions frozen no bloc ever forms
    frozen = [run(seed=s, theory="C", coalitions_on=False) for s in range(5)]
    assert all(r.final["united_opposition_month"] == -1 for r in frozen)


def test_removals_follow_the_machine_at_gatherings_after_the_break():
    """A faction loses its Politburo seats at a gathering, after the one where it
    broke, once its machine has fallen below removal_share of its peak; the seats
    follow the machine, so a larger share removes sooner and none is dated."""
    sim = SC.sim(seed=0)
    gatherings = {t for t in range(sim.timeline.steps + 1)
                  if any("gathering" in e.get("set", {}) for e in sim.events_at(t))}
    assert {42, 45, 66, 82} <= gatherings  # plenums of Jul and Oct 1926, Jul 1928, Nov 1929
    removed = 0
    for s in range(12):
        r = run(seed=s, theory="C")
        for faction, machine, broke in (("leningrad", "machine_leningrad", "leningrad_break_month"),
                                        ("right", "machine_right", "right_break_month")):
            t = r.final[f"{faction}_removal_month"]
            if t < 0:
                continue
            removed += 1
            assert t in gatherings
            assert 0 <= r.final[broke] < t
            peak = r.series[machine][: t + 1].max()
            assert r.series[machine][t] < SC.values["removal_share"] * peak
    assert removed >= 6
    # the share is what decides: removing at any cut (1) is never later than at a deep one
    for s in range(6):
        soon, late = run(seed=s, theory="C", removal_share=1.0), run(seed=s, theory="C",
                                                                   removal_share=0.05)
        for f in ("leningrad", "right", "left"):
            a, b = soon.final[f"{f}_removal_month"], late.final[f"{f}_removal_month"]
            assert a >= 0 and (b < 0 or a <= b), (s, f, a, b)
    # with coalitions frozen nobody breaks, so no partner is removed
    frozen = run(seed=1, theory="C", coalitions_on=False)
    assert frozen.final["leningrad_removal_month"] == frozen.final["right_removal_month"] == -1


def test_the_leningrad_group_recants_when_the_bloc_falls_and_stops_voting_with_the_left():
    """After the expulsions the Zinovievists recanted (19 Dec 1927); their machine must
    not go on counting as Opposition delegates at the gatherings of 1928-29."""
    checked = 0
    for s in range(30):
        r = run(seed=s, theory="C")
        sr = r.series
        bloc = sr["united_opposition"]
        ended = np.flatnonzero((bloc[:-1] == 1) & (bloc[1:] == 0))
        if len(ended) == 0:
            continue
        end = int(ended[0]) + 1
        assert sr["leaders_expelled"][end] == 1
        assert np.all(sr["leningrad_in_opposition"][end:] == 0)
        for t in np.flatnonzero(sr["gathering"][end:] > 0) + end:
            machines = (sr["apparatus_control"][t] + sr["machine_leningrad"][t]
                        + sr["machine_right"][t] + sr["machine_left"][t])
            elected = max(0.0, 1.0 - machines)
            expected = sr["machine_left"][t] + elected * sr["cells_with_opposition"][t]
            assert sr["opposition_delegates"][t] == pytest.approx(expected, abs=1e-12)
            checked += 1
    assert checked >= 5


def test_move_shift_moves_the_dated_moves_by_whole_months():
    base = run(seed=4, theory="C")
    later = run(seed=4, theory="C", move_shift=2.4)  # rounds to 2
    first = int(np.argmax(base.series["act_platform"] > 0))
    assert base.labels[first] == "1923-10"
    assert later.labels[int(np.argmax(later.series["act_platform"] > 0))] == "1923-12"


def test_theory_t_turns_left_only_under_a_grain_crisis():
    """Trotsky's reading of 1928: the kulak's grain strike pushes the Centre left. With
    that push off (crisis_pull 0) T never turns left without workers' pressure."""
    pushed = [run(seed=s, theory="T") for s in range(10)]
    assert sum(r.final["left_turn_month"] >= 0 for r in pushed) >= 8
    assert all(r.final["left_turn_month"] < 0 or r.labels[r.final["left_turn_month"]] >= "1927-10"
               for r in pushed)
    unpushed = [run(seed=s, theory="T", crisis_pull=0.0) for s in range(10)]
    assert all(r.final["left_turn_month"] == -1 for r in unpushed)


def test_chronicle_tells_what_the_series_show():
    r = run(seed=1)
    lines = r.chronicle()
    assert all(line[:7] in r.labels for line in lines)
    t = int(np.argmax(r.series["leaders_expelled"] > 0))
    if r.series["leaders_expelled"][-1] > 0:
        assert any(line.startswith(r.labels[t]) and "leaders expelled" in line for line in lines)
    assert any("record: lenin death" in line for line in lines)


def test_unknown_strategy_is_a_clear_error():
    with pytest.raises(InputError, match="unknown strategy 'marot'"):
        run(strategy="marot")


def test_levy_admits_each_eligible_person_with_the_given_chance():
    """The per-workplace binomial sampler is exact: admissions ~ Binomial(eligible, p)."""
    from inevitable.engine.rng import stream_key
    from inevitable.mechanisms.soviet.kernels import RECRUIT, WORKER, admit

    n, size, p = 200_000, 20, 0.03
    role = np.full(n, WORKER, dtype=np.uint8)
    sympathy = np.zeros(n, dtype=np.float32)
    sympathy[::4] = 0.9  # a quarter are screened out
    employ = np.ones(n, dtype=np.float32)
    out = np.zeros(1)
    admit(role, employ, sympathy, size, stream_key(1, "t"), 3, p, 0.0, 0.5, out)
    eligible = n * 3 // 4
    admitted = int((role == RECRUIT).sum())
    assert admitted == out[0]
    assert abs(admitted - eligible * p) < 4 * np.sqrt(eligible * p * (1 - p))
    assert not (role[::4] == RECRUIT).any()
    # per workplace, the counts follow the binomial law (mean and variance)
    per_wp = (role == RECRUIT).reshape(-1, size).sum(axis=1)
    m = size * 3 // 4
    assert abs(per_wp.mean() - m * p) < 4 * np.sqrt(m * p * (1 - p) / per_wp.size)
    assert abs(per_wp.var() - m * p * (1 - p)) < 0.03


def _cells(sim):
    """The slot ranges of the student cells and the military cells at the start."""
    from inevitable.mechanisms.soviet.people import cell_slots

    p = sim.p
    n_work = int(np.count_nonzero(sim.state[k.P_EMPLOY] >= 0))
    nonworker = int(p.members_1923 * (1 - p.worker_member_share)) // p.scale \
        - p.officials // p.scale
    n_students, n_army = cell_slots(p, nonworker)
    return slice(n_work, n_work + n_students), slice(n_work + n_students,
                                                     n_work + n_students + n_army)


def test_student_and_military_cells_are_whole_cells_of_non_bench_old_members():
    """At the defaults 6% of 400,000 members (96 slots at scale 250) round to 5 cells
    and 10% (160 slots) to 8; they are carved out of the non-bench members, so the
    count of members does not change, and only their leaning and (in the army) their
    threshold differ from the other members'."""
    sim = SC.sim(seed=0)
    students, army = _cells(sim)
    assert (students.stop - students.start, army.stop - army.start) == (100, 160)
    st = sim.state
    size = sim.p.workplace_size
    cells = slice(students.start, army.stop)
    assert students.start % size == 0 and army.start % size == 0 and army.stop % size == 0
    assert np.all(st[k.P_ROLE][cells] == k.OLD_MEMBER) and np.all(st[k.P_EMPLOY][cells] < 0)
    plain = SC.sim(seed=0, params={"student_army_leaning": 0.0, "army_discipline": 0.0})
    none = SC.sim(seed=0, params={"student_share": 0.0, "army_share": 0.0})
    assert np.array_equal(st[k.P_ROLE], none.state[k.P_ROLE])  # the same members, regrouped
    lift = st[k.P_LEANING] - plain.state[k.P_LEANING]
    assert np.allclose(lift[cells], 0.35, atol=1e-6) and not lift[army.stop:].any() \
        and not lift[:cells.start].any()
    stiff = st[k.P_THRESHOLD] - plain.state[k.P_THRESHOLD]
    assert np.allclose(stiff[army], 0.1, atol=1e-6) and not stiff[students].any()
    # the cells have a Moscow share of their own
    capital = SC.sim(seed=0, params={"student_army_moscow": 1.0})
    assert np.all(capital.state[k.P_CITY][cells] == k.MOSCOW)
    assert np.array_equal(capital.state[k.P_CITY][army.stop:], st[k.P_CITY][army.stop:])


def _moscow_december_1923(params, seeds=range(20)):
    """Members' open support in Moscow in 1923-12, and Moscow's military cells with an
    open majority then, pooled over the seeds (historical strategy, theory C)."""
    support, majorities, army_cells = [], 0, 0
    for s in seeds:
        sim = SC.sim(seed=s, params={"theory": "C", **params})
        t = list(sim.timeline.labels()).index("1923-12")
        sim.run(until=t)
        support.append(sim.results["member_support_moscow"][t])
        _, army = _cells(sim)
        st = sim.state
        size = sim.p.workplace_size
        for w in range(army.start // size, army.stop // size):
            cell = slice(w * size, (w + 1) * size)
            if st[k.P_CITY][cell.start] != k.MOSCOW:
                continue
            members = (st[k.P_ROLE][cell] != k.OUTSIDE) & (st[k.P_JAIL][cell] == 0)
            backing = members & ((st[k.P_ACTING][cell] & 2) > 0)
            army_cells += 1
            majorities += int(2 * backing.sum() > members.sum())
    return float(np.mean(support)), majorities / max(army_cells, 1)


def test_student_and_military_cells_bring_moscow_support_into_the_record():
    """In Dec 1923 a fifth to a third of Moscow communists backed the Opposition, mainly
    students and the military (target 15-35%); without the cells' leaning the model gave
    about 5%. A third of the Moscow garrison's military cells came out for it (Erickson):
    the default leaning puts a similar share of Moscow's military cells at an open
    majority."""
    support, army_majority = _moscow_december_1923({})
    assert 0.14 <= support <= 0.25, support
    assert 0.15 <= army_majority <= 0.55, army_majority
    flat, flat_army = _moscow_december_1923({"student_army_leaning": 0.0})
    assert flat < 0.08 and support - flat > 0.08, (flat, support)
    assert flat_army == 0.0
