"""Fuzz every operation of the OpenAPI description in-process: never a 5xx.

Schemathesis generates requests from ``/openapi.json`` (valid ones and
invalid ones) and sends them to the ASGI app without a server. Whatever it
sends, the answer is below 500, and a refusal is one line ``{"detail": ...}``.
Jobs the fuzzer manages to submit stay tiny (at most 4 runs per arm on the
serial backend, one runner, a short queue, no verdict budget allowed) and are
never waited for. Bounded in examples per operation, so the module takes well
under a minute on two cores.

The fuzzer rarely guesses a strategy, a move or a parameter by name, so two
property tests build requests from the scenario's own names (and a few
wrong ones): each is accepted or refused with a 4xx, and every job accepted
finishes done, never failed (what would fail must be refused up front).
"""

from __future__ import annotations

import shutil
import tempfile
import time

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

import inevitable as inv
from inevitable.game import game
from inevitable.web.app import create_app
from inevitable.web.service import Service

MAX_EXAMPLES = 15
RESULTS = tempfile.mkdtemp(prefix="inevitable-fuzz-")
SERVICES: list[Service] = []


def _service() -> Service:
    s = Service(RESULTS, backend="serial", max_reps=4, runners=1, max_waiting=4,
                verdict_budgets=())
    SERVICES.append(s)
    return s


app = create_app(service_factory=_service)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _drain():
    """Let the few accepted jobs finish (they are tiny), then drop the store."""
    yield
    deadline = time.monotonic() + 30
    for s in SERVICES:
        while time.monotonic() < deadline and any(
                s.jobs.counts()[k] for k in ("queued", "running")):
            time.sleep(0.05)
        s.jobs.close()
    shutil.rmtree(RESULTS, ignore_errors=True)


def test_the_description_covers_the_api():
    paths = set(schema.raw_schema["paths"])
    assert {"/api/ensembles", "/api/play/turn", "/api/jobs/{job_id}",
            "/api/verdicts/{verdict_id}", "/api/strategies/check"} <= paths


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500, response.text
    if 400 <= response.status_code < 500:
        body = response.json()
        assert set(body) == {"detail"} and isinstance(body["detail"], str), body
        assert "\n" not in body["detail"], body


# -- requests made of the scenario's own names ------------------------------------------------

SC = inv.scenario("soviet-1923")
GAME = game(SC, "C", 0, 4)
SETTINGS = settings(max_examples=12, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))
OBSERVABLES = ["month", "cadre_share", "sympathy", "fear", "strikes", "leaders_expelled"]
ACTIONS = ["platform", "support_strikes", "appeal_workers", "abstain", "demonstrate"]


@pytest.fixture(scope="module")
def client():
    service = Service(tempfile.mkdtemp(prefix="inevitable-fuzz-"), backend="serial",
                      max_reps=4, runners=1, max_waiting=3, verdict_budgets=())
    with TestClient(create_app(service_factory=lambda: service)) as c:
        yield c
    shutil.rmtree(service.results, ignore_errors=True)


def _month(lo=1923, hi=1929):
    return st.builds("{}-{:02d}".format, st.integers(lo, hi), st.integers(1, 12))


def _rules():
    atom = st.one_of(
        st.builds("{} {} {}".format, st.sampled_from(OBSERVABLES[1:]),
                  st.sampled_from(["<", ">", ">=", "=="]),
                  st.floats(-1, 2, allow_nan=False).map(lambda x: f"{x:.3g}")),
        st.builds("month >= '{}'".format, _month()),
        st.sampled_from(["always", "not leaders_expelled", "cadre / 0 > 1"]))
    return st.lists(st.fixed_dictionaries(
        {"when": st.lists(atom, min_size=1, max_size=3).map(" and ".join),
         "do": st.dictionaries(st.sampled_from(ACTIONS), st.floats(0, 1), min_size=1,
                               max_size=3)}), min_size=1, max_size=3)


def _params():
    names = sorted(SC.priors)
    return st.sampled_from(names).flatmap(
        lambda n: st.floats(*SC.priors[n].support).map(lambda v, n=n: {n: v}))


def _mutated(valid, mutations):
    """Mostly valid requests; now and then one thing wrong."""
    def apply(body, change):
        return body if change is None else {**body, **change(body)}

    return st.tuples(valid, st.sampled_from([None] * 2 * len(mutations) + mutations)).map(
        lambda t: apply(*t))


def _ensemble():
    arms = st.tuples(
        st.lists(st.sampled_from(list(SC.spec.strategies)), min_size=1, max_size=2,
                 unique=True),
        st.one_of(st.none(), st.none(), _rules()),
    ).map(lambda t: [{"strategy": s} for s in t[0]] + ([{"rules": t[1]}] if t[1] else []))
    valid = st.fixed_dictionaries(
        {"arms": arms, "reps": st.integers(2, 3), "seed": st.integers(0, 2**31 - 1)},
        optional={"theory": st.sampled_from(["T", "C", "N"]),
                  "branch": _month().filter(lambda m: "1923-01" < m < "1929-12"),
                  "params": _params()})
    return _mutated(valid, [
        lambda b: {"reps": 1}, lambda b: {"reps": 5}, lambda b: {"seed": -1},
        lambda b: {"theory": "X"}, lambda b: {"branch": "1931-13"},
        lambda b: {"branch": "1923-01"}, lambda b: {"params": {"scale": 100}},
        lambda b: {"params": {"levy_rate": 0.5}}, lambda b: {"params": {"nope": 1}},
        lambda b: {"arms": [*b["arms"][:2], {"strategy": "nope"}]},
        lambda b: {"arms": [{"rules": [{"when": "nope > 1", "do": {"platform": 1}}]}]},
        lambda b: {"arms": [{"rules": [{"do": {"fly": 1}}]}]},
    ])


def _turn():
    valid = st.fixed_dictionaries(
        {"moves": st.integers(1, len(GAME.junctures)).flatmap(lambda n: st.tuples(*[
            st.sampled_from(GAME.junctures[i].moves) for i in range(n)]).map(list)),
         "reps": st.just(4), "seed": st.integers(0, 2**31 - 1)},
        optional={"theory": st.sampled_from(["T", "C", "N"])})
    return _mutated(valid, [
        lambda b: {"reps": 3}, lambda b: {"reps": 5}, lambda b: {"seed": -1},
        lambda b: {"theory": "X"}, lambda b: {"moves": []},
        lambda b: {"moves": ["historical"] * (len(GAME.junctures) + 1)},
        lambda b: {"moves": ["bloc-trading-demands"]},
        lambda b: {"moves": [*b["moves"][:-1], "nope"]},
    ])


def _probe(client, path, bodies):
    accepted = []

    @given(bodies)
    @SETTINGS
    def probe(body):
        r = client.post(path, json=body)
        assert r.status_code in (202, 404, 422, 429), (body, r.status_code, r.text)
        if r.status_code == 202:
            accepted.append((body, r.json()["id"]))
        else:
            assert "\n" not in r.json()["detail"]

    probe()
    deadline = time.monotonic() + 60
    for body, job_id in accepted:
        while True:
            job = client.get(f"/api/jobs/{job_id}").json()
            if job["state"] in ("done", "failed"):
                break
            assert time.monotonic() < deadline, (body, job)
            time.sleep(0.05)
        assert job["state"] == "done", (body, job["error"])
    return accepted


def test_ensembles_named_from_the_scenario_are_accepted_or_refused_and_accepted_ones_finish(
        client):
    _probe(client, "/api/ensembles", _ensemble())


def test_game_turns_named_from_the_scenario_are_accepted_or_refused_and_accepted_ones_finish(
        client):
    _probe(client, "/api/play/turn", _turn())
