"""Provider-faithful fakes of X (Twitter) OAuth 2.0 and Facebook Login, as one ASGI app.

They speak the providers' endpoints and response shapes and check what the real ones check: the
registered redirect URI, the PKCE S256 challenge (both use it), the client authentication method
(HTTP Basic at X's token endpoint, `client_secret_post` at Facebook's), single-use codes, `state`
round-tripping and Facebook's `appsecret_proof`. Any deviation answers an error, so a test of the
service fails.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx2
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

TWITTER_CLIENT = ("tw-client-id", "tw-client-secret")
FACEBOOK_CLIENT = ("fb-app-id", "fb-app-secret")
GRAPH = "/v21.0"


def twitter_served_at(provider_url: str) -> dict[str, object]:
    """The settings that point the service's X login at these fakes served over real HTTP at
    `provider_url` (for a browser, which cannot use an in-process transport)."""
    return {
        "twitter_client_id": TWITTER_CLIENT[0],
        "twitter_client_secret": SecretStr(TWITTER_CLIENT[1]),
        "twitter_authorize_url": f"{provider_url}/i/oauth2/authorize",
        "twitter_token_url": f"{provider_url}/2/oauth2/token",
        "twitter_api_base_url": f"{provider_url}/2/",
    }


@dataclass
class ProviderAccount:
    subject: str
    name: str
    username: str | None = None
    email: str | None = None
    avatar_url: str | None = None


@dataclass
class _Grant:
    provider: str
    redirect_uri: str
    challenge: str | None
    account: ProviderAccount
    used: bool = False


@dataclass
class FakeProviders:
    public_url: str
    twitter_account: ProviderAccount = field(
        default_factory=lambda: ProviderAccount(
            "1449127", "Kim Min-jun", "minjun_k", None, "https://pbs.twimg.test/minjun.jpg"
        )
    )
    facebook_account: ProviderAccount = field(
        default_factory=lambda: ProviderAccount(
            "10224466", "Lee Ji-woo", None, "jiwoo@example.test", "https://fb.test/jiwoo.jpg"
        )
    )
    deny_consent: bool = False
    token_endpoint_status: int | None = None
    token_endpoint_times_out: bool = False
    facebook_profile_reply: dict[str, object] | None = None
    """Replaces Facebook's profile reply, to test a malformed one."""
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _tokens: dict[str, ProviderAccount] = field(default_factory=dict)

    def redirect_uri(self, provider: str) -> str:
        return f"{self.public_url}/v1/auth/{provider}/callback"

    # --- authorization -------------------------------------------------------------------
    async def twitter_authorize(self, request: Request) -> Response:
        q = request.query_params
        problem = (
            q.get("response_type") != "code"
            or q.get("client_id") != TWITTER_CLIENT[0]
            or q.get("redirect_uri") != self.redirect_uri("twitter")
            or set((q.get("scope") or "").split()) != {"tweet.read", "users.read"}
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
            or not q.get("state")
        )
        if problem:
            return JSONResponse({"error": "invalid_request", "query": dict(q)}, status_code=400)
        return self._consent(
            "twitter", q["redirect_uri"], q["state"], q["code_challenge"], self.twitter_account
        )

    async def facebook_authorize(self, request: Request) -> Response:
        q = request.query_params
        if (
            q.get("client_id") != FACEBOOK_CLIENT[0]
            or q.get("redirect_uri") != self.redirect_uri("facebook")
            or not q.get("state")
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
        ):
            return JSONResponse({"error": "invalid_request", "query": dict(q)}, status_code=400)
        return self._consent(
            "facebook", q["redirect_uri"], q["state"], q["code_challenge"], self.facebook_account
        )

    def _consent(
        self,
        provider: str,
        redirect_uri: str,
        state: str,
        challenge: str | None,
        account: ProviderAccount,
    ) -> Response:
        if self.deny_consent:
            params = {"error": "access_denied", "state": state}
        else:
            code = secrets.token_urlsafe(16)
            self._grants[code] = _Grant(provider, redirect_uri, challenge, account)
            params = {"code": code, "state": state}
        return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", status_code=302)

    # --- token ---------------------------------------------------------------------------
    async def twitter_token(self, request: Request) -> Response:
        form = await request.form()
        expected = base64.b64encode(":".join(TWITTER_CLIENT).encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "unauthorized_client"}, status_code=401)
        if "client_secret" in form:
            return JSONResponse({"error": "invalid_request", "why": "secret in body"}, 400)
        return self._exchange("twitter", dict(form))  # type: ignore[arg-type]

    async def facebook_token(self, request: Request) -> Response:
        form = await request.form()
        if "authorization" in request.headers:
            return JSONResponse({"error": {"message": "use client_secret_post"}}, 400)
        if (form.get("client_id"), form.get("client_secret")) != FACEBOOK_CLIENT:
            return JSONResponse({"error": {"message": "Error validating client secret."}}, 400)
        return self._exchange("facebook", dict(form))  # type: ignore[arg-type]

    def _exchange(self, provider: str, form: dict[str, str]) -> Response:
        if self.token_endpoint_status is not None:
            return Response("upstream trouble", status_code=self.token_endpoint_status)
        grant = self._grants.get(form.get("code", ""))
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.used
            or grant.provider != provider
            or form.get("redirect_uri") != grant.redirect_uri
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if grant.challenge is not None:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
                return JSONResponse({"error": "invalid_grant", "why": "PKCE"}, status_code=400)
        grant.used = True
        token = secrets.token_urlsafe(24)
        self._tokens[token] = grant.account
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": 7200})

    # --- profiles ------------------------------------------------------------------------
    def _account(self, request: Request) -> tuple[str, ProviderAccount] | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        account = self._tokens.get(token)
        return (token, account) if account else None

    async def twitter_me(self, request: Request) -> Response:
        found = self._account(request)
        if found is None:
            return JSONResponse({"title": "Unauthorized", "status": 401}, status_code=401)
        account = found[1]
        data = {"id": account.subject, "name": account.name, "username": account.username}
        if "profile_image_url" in request.query_params.get("user.fields", ""):
            data["profile_image_url"] = account.avatar_url
        return JSONResponse({"data": data})

    async def facebook_me(self, request: Request) -> Response:
        found = self._account(request)
        if found is None:
            return JSONResponse({"error": {"message": "Invalid OAuth access token."}}, 400)
        token, account = found
        proof = hmac.new(FACEBOOK_CLIENT[1].encode(), token.encode(), hashlib.sha256).hexdigest()
        if request.query_params.get("appsecret_proof") != proof:
            return JSONResponse({"error": {"message": "Invalid appsecret_proof"}}, 400)
        if self.facebook_profile_reply is not None:
            return JSONResponse(self.facebook_profile_reply)
        fields = set(request.query_params.get("fields", "").split(","))
        data: dict[str, object] = {"id": account.subject}
        if "name" in fields:
            data["name"] = account.name
        if "email" in fields and account.email:
            data["email"] = account.email
        if "picture" in fields:
            data["picture"] = {"data": {"url": account.avatar_url, "is_silhouette": False}}
        return JSONResponse(data)

    def asgi_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/i/oauth2/authorize", self.twitter_authorize),
                Route("/2/oauth2/token", self.twitter_token, methods=["POST"]),
                Route("/2/users/me", self.twitter_me),
                Route(f"{GRAPH}/dialog/oauth", self.facebook_authorize),
                Route(f"{GRAPH}/oauth/access_token", self.facebook_token, methods=["POST"]),
                Route(f"{GRAPH}/me", self.facebook_me),
            ]
        )

    def transport(self) -> httpx2.AsyncBaseTransport:
        """The service's outgoing provider HTTP, routed into this fake (with optional time-outs)."""
        inner = httpx2.ASGITransport(app=self.asgi_app())
        fake = self

        class Transport(httpx2.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
                if fake.token_endpoint_times_out and request.url.path.endswith("token"):
                    raise httpx2.ReadTimeout("timed out", request=request)
                return await inner.handle_async_request(request)

        return Transport()
