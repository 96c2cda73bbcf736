"""The ASGI application: middleware (body size limits), one JSON error shape, routers."""
from __future__ import annotations

import contextlib
import json
import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from models import protocol as p

from . import routes_admin, routes_dept, routes_sync
from .auth import token_hash
from .db import Database, migrate
from .errors import ApiError
from .settings import Settings

log = logging.getLogger("server")


def _json_error(status: int, code: str, zh: str, en: str, detail=None, headers=None) -> JSONResponse:
    body = {"code": code, "message": zh, "message_en": en}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, headers=headers)


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413 before the app reads them: 5 MB in general, the
    chunk limit for blob uploads. Bodies are buffered (they are bounded) and replayed."""

    def __init__(self, app, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        limit = (self.settings.max_blob_request if path.startswith(p.API_PREFIX + "/blobs/")
                 else self.settings.max_body)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0:
                    return await self._reply(send, _json_error(
                        400, "invalid", "Content-Length 无效。", "Invalid Content-Length header."), scope, receive)
                if declared > limit:
                    return await self._reply(send, self._too_large(limit), scope, receive)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                return await self._reply(send, self._too_large(limit), scope, receive)
            chunks.append(body)
            more = message.get("more_body", False)
        data = b"".join(chunks)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _too_large(limit: int) -> JSONResponse:
        return _json_error(413, "too_large", f"请求内容过大（上限 {limit // (1024 * 1024)} MB）。",
                           f"Request body too large (limit {limit} bytes).")

    @staticmethod
    async def _reply(send, response, scope, receive):
        await response(scope, receive, send)


def _clean_errors(errors) -> list[dict]:
    out = []
    for e in errors:
        item = {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")),
                "type": str(e.get("type", ""))}
        out.append(item)
    return out


def create_app(settings: Settings) -> FastAPI:
    if settings.migrate:
        migrate(settings.database_url)
    pool = Database(settings.database_url, settings.pool_min, settings.pool_max)
    pool.open()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(
        title="企业诉求受理 county server",
        version=f"protocol {p.PROTOCOL_VERSION}",
        description="Sync protocol v1 between county intake windows and the county server "
                    "(docs/sync-api.md). Every error is JSON: {code, message, message_en, detail?}.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.pool = pool
    app.state.admin_hash = token_hash(settings.admin_token) if settings.admin_token else None

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _json_error(exc.status, exc.code, exc.zh, exc.en, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = _clean_errors(exc.errors())
        where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        return _json_error(422, "invalid", f"请求格式不正确：{where}", f"Invalid request: {where}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        zh = {404: "找不到该地址。", 405: "不支持该请求方法。"}.get(exc.status_code, "请求无法处理。")
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _json_error(exc.status_code, code, zh, str(exc.detail), None, getattr(exc, "headers", None))

    @app.exception_handler(psycopg.DataError)
    async def _data(request: Request, exc: psycopg.DataError):
        return _json_error(400, "invalid", "请求包含无法保存的数据。", "The request holds data that cannot be stored.")

    @app.exception_handler(UnicodeError)
    async def _unicode(request: Request, exc: UnicodeError):
        return _json_error(400, "invalid", "请求包含无效的字符。", "The request holds invalid characters.")

    @app.exception_handler(psycopg.OperationalError)
    async def _db_down(request: Request, exc: psycopg.OperationalError):
        log.error("database unavailable: %s", exc)
        return _json_error(503, "unavailable", "数据库暂不可用，请稍后重试。", "Database unavailable; retry later.",
                           headers={"Retry-After": "2"})

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json_error(500, "internal", "服务器内部错误，已记录。", "Internal server error (logged).")

    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.include_router(routes_sync.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_dept.router)
    return app


def openapi_json(app: FastAPI) -> str:
    return json.dumps(app.openapi(), ensure_ascii=False, indent=1)
