"""Serves the screens' files with the headers each needs: the console under a strict
Content-Security-Policy of its own, the embed script with CORS (a module script from another
origin runs only with it) and caching fit for a CDN (an ETag to revalidate against)."""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

STATIC = Path(__file__).with_name("static")

CONSOLE_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The console talks to this service alone, and runs only its own files: no inline script."""

EMBED_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"
"""A new release reaches article pages within five minutes; meanwhile CDNs revalidate cheaply
against the ETag."""


class ConsoleFiles(StaticFiles):
    """The console's files, each answered with the console's policy and never cached stale (a
    moderator reloads into the newest console)."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Content-Security-Policy"] = CONSOLE_CONTENT_SECURITY_POLICY
        response.headers["Cache-Control"] = "no-cache"
        return response


class EmbedFiles(StaticFiles):
    """The embed script and the modules it imports (`/screens/`, shared with the console): any
    page may load them (they hold no secret), cross-origin, cached."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = EMBED_CACHE_CONTROL
        return response


def install_screens(app: FastAPI) -> None:
    @app.get("/admin", include_in_schema=False)
    async def console_root() -> RedirectResponse:
        return RedirectResponse("/admin/", status_code=308)

    embed = EmbedFiles(directory=STATIC)

    @app.api_route("/embed.js", methods=["GET", "HEAD"], include_in_schema=False)
    async def embed_script(request: Request) -> Response:
        return await embed.get_response("embed.js", request.scope)

    app.mount("/screens", EmbedFiles(directory=STATIC / "screens"), name="screens")
    app.mount("/admin", ConsoleFiles(directory=STATIC / "admin", html=True), name="console")
