"""Serves the screens' files with the headers each needs: the console under a strict
Content-Security-Policy of its own, the embed script with CORS (a module script from another
origin runs only with it) and caching fit for a CDN (an ETag to revalidate against).

The two entry scripts import the shared module by a URL that names its version
(`/screens/dom.js?v=<hash>`), so a cached old `embed.js` never meets a newer `dom.js` or the
other way round, and that module can be cached for good."""

import hashlib
from dataclasses import dataclass
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

PUBLIC_ASSET_PATHS = ("/embed.js", "/screens/")
"""The comment box's files: the same for every page and every reader."""

EMBED_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"
"""A new release reaches article pages within five minutes; meanwhile CDNs revalidate cheaply
against the ETag."""

VERSIONED_CACHE_CONTROL = "public, max-age=31536000, immutable"
"""A module asked for by its version: that URL's content never changes."""

SHARED_MODULE = "screens/dom.js"
CROSS_ORIGIN = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


@dataclass(frozen=True)
class EntryScript:
    """A script read once at start, its import of the shared module pinned to that module's
    version, answered with an ETag (304 when it matches)."""

    content: bytes
    etag: str
    headers: dict[str, str]

    @classmethod
    def of(cls, path: Path, imports: str, version: str, headers: dict[str, str]) -> "EntryScript":
        source = path.read_text()
        if f'"{imports}"' not in source:
            raise ValueError(f"{path.name} no longer imports {imports}")
        content = source.replace(f'"{imports}"', f'"{imports}?v={version}"').encode()
        return cls(content, f'"{_digest(content)}"', headers)

    def answer(self, request: Request) -> Response:
        headers = {**self.headers, "ETag": self.etag}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        return Response(self.content, media_type="text/javascript", headers=headers)


class ConsoleFiles(StaticFiles):
    """The console's files, each answered with the console's policy and never cached stale (a
    moderator reloads into the newest console)."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Content-Security-Policy"] = CONSOLE_CONTENT_SECURITY_POLICY
        response.headers["Cache-Control"] = "no-cache"
        return response


class EmbedFiles(StaticFiles):
    """The modules the embed script imports (`/screens/`, shared with the console): any page
    may load them (they hold no secret), cross-origin, cached; for good when asked for by the
    version the entry scripts name."""

    def __init__(self, *, directory: Path, version: str) -> None:
        super().__init__(directory=directory)
        self.version = version

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(CROSS_ORIGIN)
        if response.status_code in (200, 304):
            versioned = Request(scope).query_params.get("v") == self.version
            cache = VERSIONED_CACHE_CONTROL if versioned else EMBED_CACHE_CONTROL
            response.headers["Cache-Control"] = cache
        return response


def install_screens(app: FastAPI) -> None:
    version = _digest((STATIC / SHARED_MODULE).read_bytes())
    embed = EntryScript.of(
        STATIC / "embed.js",
        imports=f"./{SHARED_MODULE}",
        version=version,
        headers={**CROSS_ORIGIN, "Cache-Control": EMBED_CACHE_CONTROL},
    )
    console = EntryScript.of(
        STATIC / "admin" / "console.js",
        imports=f"/{SHARED_MODULE}",
        version=version,
        headers={
            "Content-Security-Policy": CONSOLE_CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-cache",
        },
    )

    @app.get("/admin", include_in_schema=False)
    async def console_root() -> RedirectResponse:
        return RedirectResponse("/admin/", status_code=308)

    @app.api_route("/embed.js", methods=["GET", "HEAD"], include_in_schema=False)
    async def embed_script(request: Request) -> Response:
        return embed.answer(request)

    @app.api_route("/admin/console.js", methods=["GET", "HEAD"], include_in_schema=False)
    async def console_script(request: Request) -> Response:
        return console.answer(request)

    app.mount("/screens", EmbedFiles(directory=STATIC / "screens", version=version), name="screens")
    app.mount("/admin", ConsoleFiles(directory=STATIC / "admin", html=True), name="console")
