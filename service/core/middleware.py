"""ASGI middleware that protects every route."""

import logging
from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.errors import PayloadTooLarge, error_body, unexpected_error_response

logger = logging.getLogger(__name__)

MAX_REQUEST_BODY = 64 * 1024
"""A comment is at most a few kilobytes; anything far larger is a mistake or an attack."""


class BodySizeLimit:
    """Answers 413 before a huge body is read into memory (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_REQUEST_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        received = 0
        response_started = refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit and not refused:
                    refused = True
                    if not response_started:
                        await self._refuse(scope, receive, send)
                    # The app sees a client that went away and stops reading.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return  # the 413 has been sent; whatever the app answers is dropped
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"The request body is larger than {self.limit} bytes."
        refusal = JSONResponse(
            error_body(code=PayloadTooLarge.code, detail=detail),
            status_code=PayloadTooLarge.status_code,
        )
        await refusal(scope, receive, send)


class JsonCorsMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered in the error format every other
    error has (it answers plain text otherwise), credentials always allowed (the session
    cookie) for the listed origins. `public_paths` (files any page may load, with
    CORS headers of their own) pass untouched: one answer for every origin, so a CDN caches one
    copy."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: Sequence[str],
        allow_methods: Sequence[str],
        allow_headers: Sequence[str],
        expose_headers: Sequence[str],
        max_age: int,
        public_paths: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            app,
            allow_origins=allow_origins,
            allow_credentials=True,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            expose_headers=expose_headers,
            max_age=max_age,
        )
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_public(scope, self.public_paths):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        detail = bytes(response.body).decode()
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in {"content-length", "content-type"}
        }
        body = error_body(code="cors_refused", detail=f"{detail} for this site.")
        return JSONResponse(body, status_code=400, headers=headers)


API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
"""JSON is never a page: nothing may load from it and nothing may frame it."""


def is_public(scope: Scope, public_paths: tuple[str, ...]) -> bool:
    return bool(public_paths) and str(scope.get("path", "")).startswith(public_paths)


class SecurityHeaders:
    """Headers every response carries: no sniffing, no referrer, no framing, HSTS over https,
    `Vary` on the credentials, and `Cache-Control: private, no-store` on anything answered to a
    signed-in caller (a Bearer token or the session cookie; other cookies of the news site do
    not make a reader signed in) or about one."""

    PERSONAL_PATHS = ("/v1/me", "/v1/admin", "/v1/auth")

    def __init__(
        self, app: ASGIApp, session_cookie: str, public_paths: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.session_cookie = session_cookie
        self.public_paths = public_paths
        """Files that are the same for everyone: no `Vary` on credentials, never private."""

    def _personal(self, scope: Scope) -> bool:
        if str(scope["path"]).startswith(self.PERSONAL_PATHS):
            return True
        request_headers = Headers(scope=scope)
        if "authorization" in request_headers:
            return True
        cookies = request_headers.get("cookie")
        return cookies is not None and self.session_cookie in cookie_parser(cookies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        public = is_public(scope, self.public_paths)
        personal = not public and self._personal(scope)
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if personal:
                    headers["Cache-Control"] = "private, no-store"
                if not public:
                    headers.add_vary_header("Authorization")
                    headers.add_vary_header("Cookie")
            await send(message)

        await self.app(scope, receive, with_headers)


class UnexpectedErrors:
    """Answers an exception no handler took with the 500 error body, from inside the other
    middleware, so the answer still carries the security and CORS headers (Starlette's own
    last resort sits outside every middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def noting_the_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, noting_the_start)
        except Exception:
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise  # half an answer is out: nothing better than closing the connection
            await unexpected_error_response()(scope, receive, send)
