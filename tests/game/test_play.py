"""The game: moves as data, turns from snapshots, replays bit for bit, clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

from inevitable.errors import InputError
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import sweep
from inevitable.game import game, summary, turn
from inevitable.game.terminal import compact
from inevitable.scenarios.loader import parse, scenario

SERIAL = {"backend": "serial", "progress": False}


@pytest.fixture(scope="module")
def sc():
    return scenario("soviet-1923")


@pytest.fixture(scope="module")
def g(sc):
    return game(sc, "C", seed=11, reps=4)


def _series(sc, seed, **params):
    return sc.sim(seed, params).run().series


def test_game_has_at_least_eight_junctures_from_the_strike_wave_to_november_1927(g):
    months = [j.month for j in g.junctures]
    assert len(months) >= 8
    assert months[0] == "1923-08" and months[-1] == "1927-11"
    assert all(j.moves[0] == "historical" for j in g.junctures)
    assert all(j.source for j in g.junctures)


def test_playing_historical_at_every_juncture_is_the_historical_strategy_bit_for_bit(sc, g):
    path = ",".join(["historical"] * len(g.junctures))
    a, b = _series(sc, 3, path=path), _series(sc, 3)
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name], b[name]), name


def test_a_move_changes_nothing_before_its_juncture_and_something_after(sc, g):
    j = g.junctures[5]
    path = ",".join(["historical"] * 5 + ["class-struggle"])
    moved, base = _series(sc, 2, path=path), _series(sc, 2)
    for name in moved:
        assert np.array_equal(moved[name][:j.step], base[name][:j.step]), name
    assert moved["act_support_strikes"][j.step] == 1.0
    assert base["act_support_strikes"][j.step] == 0.0
    # the move holds until the next juncture only, unless told to hold to the end
    nxt = g.junctures[6].step
    assert moved["act_support_strikes"][nxt] == 0.0
    held = _series(sc, 2, path=path, hold_last=True)
    assert held["act_support_strikes"][-1] == 1.0


def test_turn_arms_equal_full_runs_from_the_start_bit_for_bit(sc, g):
    """The turn runs from a snapshot at the juncture; that must not change a bit."""
    path = ["back-the-strikers", "historical", "organise-faction"]
    t = turn(g, path, **SERIAL)
    seeds = range(g.seed, g.seed + g.reps)
    full = sweep(sc, [RunSpec(params={"theory": "C", "path": ",".join(p), **extra}, seed=s)
                      for p, extra in ((path[:2], {}), (path, {"hold_last": True}))
                      for s in seeds], progress=False)
    values = np.array([r["defeat"] for r in full.finals], dtype=float).reshape(2, g.reps)
    assert t.before.value == values[0].mean()
    assert t.after.value == values[1].mean()
    assert t.change.value == pytest.approx(values[1].mean() - values[0].mean())
    assert t.juncture == 2 and t.move == "organise-faction"


def test_under_the_null_theory_no_move_changes_anything(sc):
    g0 = game(sc, "N", seed=5, reps=4)
    t = turn(g0, ["class-struggle"], **SERIAL)
    assert t.change.value == 0.0 and t.before.value == t.after.value


def test_a_replayed_game_gives_the_same_numbers(sc, g):
    path = ["lie-low"] * 3 + ["historical"] * (len(g.junctures) - 3)
    first = summary(g, path, **SERIAL).to_dict()
    again = summary(game(sc, "C", seed=11, reps=4), path, **SERIAL).to_dict()
    assert first == again
    assert first["historical"]["value"] >= first["best"]["value"]
    assert first["best_from"] in ("your path", "history's path",
                                  "the class-struggle move at every juncture")


def test_summary_measures_other_players_paths_and_skips_ones_no_longer_offered(sc, g):
    n = len(g.junctures)
    others = {"a friend's": ["class-struggle"] * 5 + ["historical"] * (n - 5),
              "stale": ["no-such-move"] * n}
    s = summary(g, ["historical"] * n, others, **SERIAL)
    assert "a friend's" in s.measured and "stale" not in s.measured
    assert s.best.value == min(e.value for _, e in s.measured.values())
    assert s.measured["your path"][1].value == s.historical.value


@pytest.mark.parametrize("path, message", [
    (["fly"], "move 1 ('fly') is not offered at 1923-08"),
    (["historical"] * 12, "12 moves for 11 junctures"),
    (["historical"] * 2 + ["bloc-trading-demands"],
     "move 3 ('bloc-trading-demands') is not offered at 1923-12"),
])
def test_bad_paths_are_refused_with_the_move_and_the_juncture(g, path, message):
    with pytest.raises(InputError, match=r"^moves: ") as err:
        g.check(path)
    assert message in str(err.value)


def test_bad_game_settings_are_refused(sc):
    with pytest.raises(InputError, match="theory: unknown theory 'X'"):
        game(sc, "X")
    with pytest.raises(InputError, match="reps: must be a whole number from 4"):
        game(sc, "C", reps=2)
    with pytest.raises(InputError, match="seed: must be a whole number"):
        game(sc, "C", seed=-1)
    with pytest.raises(InputError, match="no game"):
        game("epstein")


_PLAY = """
play:
  outcome: {outcome}
  junctures:
    - {{month: "{m1}", title: a, situation: a, source: s}}
    - {{month: "{m2}", title: b, situation: b, source: s, moves: [{offered}]}}
  moves:
    go: {{label: Go, doc: go, do: {{{action}: 1.0}}}}
"""


@pytest.mark.parametrize("fields, message", [
    ({"m2": "1923-03"}, "junctures must come in order"),
    ({"offered": "stay"}, "unknown move 'stay'"),
    ({"action": "fly"}, "unknown action 'fly'"),
    ({"outcome": "victory"}, "no outcome named 'victory'"),
])
def test_a_bad_game_section_names_the_file_line_and_field(sc, fields, message):
    values = {"outcome": "defeat", "m1": "1923-05", "m2": "1923-09", "offered": "go",
              "action": "platform", **fields}
    text = sc.text.replace("\nplay:\n", "\nold_play:\n", 1)
    text = text[:text.index("\nold_play:")] + _PLAY.format(**values) + \
        text[text.index("\nreferences:"):]
    with pytest.raises(InputError, match=message) as err:
        parse(text, "mine.yaml")
    assert str(err.value).startswith("mine.yaml:")


def test_compact_folds_repeated_moves():
    assert compact(["a", "a", "b", "a"]) == "a x2, b, a"


def test_play_replays_from_the_command_line(cli, tmp_path):
    n = len(game("soviet-1923").junctures)
    moves = ",".join(["back-the-strikers"] + ["historical"] * (n - 1))
    code, out, err = cli("play", "--seed", "3", "--reps", "4", "--moves", moves,
                         "--backend", "serial", "--results", str(tmp_path))
    assert code == 0, err
    assert f"--seed 3 --reps 4 --moves {moves}" in out
    assert "/play?scenario=soviet-1923&theory=C&seed=3&reps=4&moves=" in out
    assert (tmp_path / "games.jsonl").read_text().count("\n") == 1


def test_play_without_moves_and_closed_input_fails_cleanly(cli, tmp_path):
    code, _, err = cli("play", "--seed", "3", "--reps", "4", "--backend", "serial",
                       "--results", str(tmp_path), stdin="")
    assert code == 2
    assert "no move given at juncture 1" in err and "Traceback" not in err
