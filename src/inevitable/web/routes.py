"""The JSON API's routes: thin, each one a call into the service.

Named like the CLI's verbs: scenarios, strategies, ensembles (compare),
verdicts, play, jobs. Responses are plain JSON; long work returns a job.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from inevitable.errors import NotFound
from inevitable.web.models import EnsembleIn, PlayIn, StrategyCheckIn, VerdictIn
from inevitable.web.service import Service

api = APIRouter()


CLIENT_HEADER = "X-Inevitable-Client"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _service(request: Request) -> Service:
    return request.app.state.service


def client_of(request: Request) -> str:
    """Who is asking, for the job queue's fairness: the remote address, and the
    browser's own id (the pages send a random one in ``X-Inevitable-Client``) so
    that users behind one address (every user of a server on 127.0.0.1) are told
    apart. The id is the browser's word, not proof: the global bound on waiting
    jobs, not this, is what holds against a client that invents ids."""
    address = request.client.host if request.client else "unknown"
    browser = request.headers.get(CLIENT_HEADER, "")
    return f"{address}/{browser}" if _CLIENT_ID.match(browser) else address


def _accepted(service: Service, job) -> JSONResponse:
    return JSONResponse(job.to_dict(service.jobs.position(job), with_result=False),
                        status_code=202, headers={"Location": f"/api/jobs/{job.id}"})


@api.get("/health", summary="The server is up; its job counts")
def health(request: Request) -> dict[str, Any]:
    return {"ok": True, "jobs": _service(request).jobs.counts()}


@api.get("/scenarios", summary="The scenarios this server offers")
def scenarios(request: Request) -> list[dict[str, Any]]:
    return _service(request).scenario_list()


@api.get("/scenarios/{name}", summary="A scenario: actors, events, claims, parameters")
def scenario_detail(name: str, request: Request) -> dict[str, Any]:
    return _service(request).scenario_detail(name)


@api.post("/strategies/check", summary="Check a strategy written in the rule language")
def check_strategy(body: StrategyCheckIn, request: Request) -> dict[str, Any]:
    _service(request).check_rules(body.scenario, body.rules)
    return {"ok": True, "rules": len(body.rules)}


@api.post("/ensembles", status_code=202, summary="Run paired arms (a job)")
def ensembles(body: EnsembleIn, request: Request) -> JSONResponse:
    service = _service(request)
    return _accepted(service, service.submit_ensemble(body, client_of(request)))


@api.get("/jobs", summary="Recent jobs, without their results")
def jobs(request: Request) -> list[dict[str, Any]]:
    service = _service(request)
    positions = service.jobs.positions()
    return [j.to_dict(positions.get(j.id) if j.state == "queued" else None, with_result=False)
            for j in service.jobs.recent()]


@api.get("/jobs/{job_id}", summary="A job: its state, progress and, when done, its result")
def job(job_id: str, request: Request) -> dict[str, Any]:
    service = _service(request)
    found = service.jobs.get(job_id)
    if found is None:
        raise NotFound(f"no job '{job_id}' (jobs are forgotten after a while or a "
                         "restart; submit it again, its runs are in the store)", "job")
    return found.to_dict(service.jobs.position(found))


@api.get("/verdicts", summary="The verdict reports in the results store")
def verdicts(request: Request) -> list[dict[str, Any]]:
    return _service(request).verdicts()


@api.get("/verdicts/{verdict_id}", summary="One verdict (its verdict.json)")
def verdict(verdict_id: str, request: Request) -> dict[str, Any]:
    import json

    d = _service(request).verdict_dir(verdict_id)
    return json.loads((d / "verdict.json").read_text())


@api.post("/verdicts", status_code=202, summary="Run a new verdict with a budget (a job)")
def new_verdict(body: VerdictIn, request: Request) -> JSONResponse:
    service = _service(request)
    return _accepted(service, service.submit_verdict(body, client_of(request)))


@api.get("/play/{scenario}", summary="A game's junctures and moves")
def play_game(scenario: str, request: Request, theory: str | None = "C", seed: int = 0,
              reps: int | None = None) -> dict[str, Any]:
    g = _service(request).game(PlayIn(scenario=scenario, theory=theory, seed=seed, reps=reps))
    return g.to_dict()


@api.post("/play/turn", status_code=202,
          summary="Play the last of the moves at its juncture: the odds before and after")
def play_turn(body: PlayIn, request: Request) -> JSONResponse:
    service = _service(request)
    return _accepted(service, service.submit_turn(body, client_of(request)))


@api.post("/play/summary", status_code=202,
          summary="A finished game against history's path and the best found")
def play_summary(body: PlayIn, request: Request) -> JSONResponse:
    service = _service(request)
    return _accepted(service, service.submit_summary(body, client_of(request)))
