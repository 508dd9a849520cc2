"""The web application: the JSON API, the four pages, the bundled assets.

``create_app`` builds a FastAPI application over a :class:`Service`. Long
work is a job: ``POST`` returns ``202`` with the job, ``GET /api/jobs/{id}``
reports its progress and, once done, its result. Errors are one line in
``{"detail": ...}``: 422 for bad input (naming the field), 404 for unknown
things, 429 when the job queue is full. Nothing is fetched from the
network: plotly.js is served from the installed plotly package.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from inevitable import __version__
from inevitable.errors import InputError, NotFound
from inevitable.web.jobs import QueueFull
from inevitable.web.routes import api
from inevitable.web.service import Service

PAGES = {"scenario": "Scenario", "explorer": "Explorer", "verdicts": "Verdicts", "play": "Play"}
_REPORT_FILE = r"^(report\.html|report\.md|verdict\.json|figures/[a-z0-9_-]+\.(png|svg))$"


def plotly_js() -> Path:
    """plotly.min.js as the plotly package ships it (offline, no CDN)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise RuntimeError(f"plotly.min.js not found at {path}")
    return path


def create_app(service_factory=None, **options: Any) -> FastAPI:
    """The application; ``options`` go to :class:`Service` (results, workers, max_reps...)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.service = service_factory() if service_factory else Service(**options)
        try:
            yield
        finally:
            app.state.service.close()

    app = FastAPI(title="inevitable", version=__version__, lifespan=lifespan,
                  description="Explore a scenario, run ensembles and verdicts, play the "
                              "Opposition. Long work returns a job to poll.")
    _errors(app)
    app.include_router(api, prefix="/api")
    static = resources.files("inevitable.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    plotly_path = plotly_js()
    template = resources.files("inevitable.web").joinpath("page.html").read_text()

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_asset() -> FileResponse:
        return FileResponse(plotly_path, media_type="text/javascript",
                            headers={"Cache-Control": "max-age=86400"})

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/scenario")

    def page(name: str):
        nav = "".join(f'<a href="/{p}"{" class=active" if p == name else ""}>{t}</a>'
                      for p, t in PAGES.items())
        html = (template.replace("{{title}}", PAGES[name]).replace("{{page}}", name)
                .replace("{{nav}}", nav).replace("{{version}}", __version__))

        def handler() -> HTMLResponse:
            return HTMLResponse(html)

        return handler

    for name in PAGES:
        app.get(f"/{name}", include_in_schema=False)(page(name))

    @app.get("/verdicts/{verdict_id}/{file_path:path}", include_in_schema=False)
    def verdict_file(verdict_id: str, file_path: str, request: Request) -> FileResponse:
        import re

        if not re.match(_REPORT_FILE, file_path):
            raise NotFound("no such file in a report", "path")
        d = request.app.state.service.verdict_dir(verdict_id)
        f = d / file_path
        if not f.is_file():
            raise NotFound(f"the report has no '{file_path}'", "path")
        return FileResponse(f)

    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFound) else 422
        return JSONResponse({"detail": _one_line(str(exc))}, status_code=status)

    @app.exception_handler(QueueFull)
    async def busy(request: Request, exc: QueueFull) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=429,
                            headers={"Retry-After": "5"})

    @app.exception_handler(ValidationError)
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc) -> JSONResponse:
        return JSONResponse({"detail": _one_line(validation_message(exc.errors()))},
                            status_code=422)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        # a bug: one line for the client, never a traceback; the log keeps the rest
        import logging

        logging.getLogger("inevitable.web").exception("internal error on %s", request.url.path)
        return JSONResponse({"detail": f"internal error: {type(exc).__name__}"},
                            status_code=500)


_TYPE_TAGS = {"int", "float", "str", "bool", "list", "dict", "none"}


def validation_message(errors: list[dict]) -> str:
    """pydantic's errors as one line: the field's path without pydantic's internal labels
    (``literal[...]``, ``int``...), and a union's alternatives joined by 'or'."""

    def where(err: dict) -> str:
        parts = [str(p) for p in err.get("loc", ()) if p != "body"
                 and not (isinstance(p, str) and (p in _TYPE_TAGS or "[" in p or "-" in p))]
        return ".".join(parts) or "request"

    first = where(errors[0])
    msgs = []
    for err in errors:
        if where(err) == first:
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            if msg not in msgs:
                msgs.append(msg)
    return f"{first}: {'; or '.join(msgs)}"


def _one_line(text: str) -> str:
    """A detail on one line that always encodes: messages may quote what a client sent
    (a condition with newlines, a string literal that is a lone surrogate)."""
    return " ".join(text.split()).encode("utf-8", "backslashreplace").decode("utf-8")
