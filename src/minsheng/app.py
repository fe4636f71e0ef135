"""create_app(): settings, database, middleware, and every registered module mounted."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from minsheng import __version__
from minsheng.core import modules
from minsheng.core.db import Database
from minsheng.core.jobs import EmbeddedRunner, attach_queue
from minsheng.core.modules import import_models
from minsheng.core.settings import Settings, get_settings
from minsheng.web import errors
from minsheng.web.middleware import RequestGuard
from minsheng.web.templating import STATIC

log = logging.getLogger(__name__)

SWAGGER_CDN_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
SWAGGER_CDN_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"

API_DESCRIPTION = """民生（Minsheng）JSON API。

用 `POST /api/v1/auth/token` 以用户名和密码换取令牌，之后在请求头中带上
`Authorization: Bearer <令牌>`。所有错误都是同一种格式：
`{"error": {"code": "...", "message": "...", "details": ...}}`。
"""


ERROR_SCHEMA = {
    "title": "Error",
    "description": "所有错误的统一格式",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["validation_error"]},
                "message": {"type": "string", "examples": ["提交的数据不符合要求。"]},
                "details": {
                    "description": "出错的字段等：[{field, message}]",
                    "examples": [[{"field": "title", "message": "至少 2 个字"}]],
                },
            },
        }
    },
}


def describe_errors(app: FastAPI) -> None:
    """Documents our one error shape where FastAPI would document its own 422 body."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {}).setdefault("schemas", {})["HTTPValidationError"] = (
                ERROR_SCHEMA
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings | None = None, *, database: Database | None = None, run_jobs: bool = False
) -> FastAPI:
    """The web application. `run_jobs` starts the embedded job runner inside it."""
    settings = settings or get_settings()
    database = database or Database(settings.database_url)
    import_models()
    procrastinate_app = attach_queue(settings, database)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if procrastinate_app is not None:
            procrastinate_app.open()
        elif run_jobs:
            runner = EmbeddedRunner(
                database, poll_seconds=settings.job_poll_seconds, tz=settings.timezone
            )
            runner.start()
        yield
        if runner is not None:
            runner.stop()
        if procrastinate_app is not None:
            procrastinate_app.close()

    app = FastAPI(
        title="民生 Minsheng API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.database = database
    app.state.settings = settings
    app.add_middleware(
        RequestGuard, max_body=settings.max_body_bytes, secure_cookies=settings.secure_cookies
    )
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", tags=["health"], summary="健康检查（含数据库）")
    def healthz(request: Request) -> JSONResponse:
        try:
            with database.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check failed")
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    @app.get("/api/v1/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Served from our own static files when fetched at setup, so it works on an intranet.
        vendor = STATIC / "vendor" / "swagger-ui"
        local = (vendor / "swagger-ui-bundle.js").exists()
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="民生 API 文档",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js"
            if local
            else SWAGGER_CDN_JS,
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css"
            if local
            else SWAGGER_CDN_CSS,
            swagger_favicon_url="/static/favicon.svg",
        )

    describe_errors(app)
    for module in modules.load_modules():
        if module.api_router is not None:
            app.include_router(module.api_router, prefix="/api/v1")
        if module.pages_router is not None:
            app.include_router(module.pages_router, include_in_schema=False)
    return app
