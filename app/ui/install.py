"""install_ui(): mounts the trace browser, its static files and the offline /docs."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from app.api.deps import Services
from app.services.sessions import SessionListService
from app.ui.docs import install_docs
from app.ui.routes import HERE, Ui, build_router, make_templates, view_link


def install_ui(app: FastAPI, services: Services) -> None:
    """The pages under /ui (with / redirecting there) and /docs from local assets."""
    templates = make_templates()
    templates.env.globals["view_link"] = view_link
    ui = Ui(services=services, sessions=SessionListService(services.db), templates=templates)
    app.mount("/ui/static", StaticFiles(directory=str(HERE / "static")), name="ui-static")
    app.include_router(build_router(ui))

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui", status_code=307)

    install_docs(app)
