"""Twitter (X) and Facebook over OAuth 2.0 with Authlib's client: authorization URL, code exchange
and profile, with each provider's own client authentication and response shapes."""

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from moderation.text import without_invisible_characters
from service.core.settings import Settings


class ProviderName(StrEnum):
    TWITTER = "twitter"
    FACEBOOK = "facebook"


class ProviderUnavailable(Exception):
    """The provider timed out, could not be reached or answered 5xx."""


class ProviderRefused(Exception):
    """The provider refused the exchange (an expired or reused code, a bad client secret)."""


@dataclass(frozen=True)
class Profile:
    provider: ProviderName
    subject: str
    display_name: str
    username: str | None
    email: str | None
    avatar_url: str | None

    @classmethod
    def read(
        cls,
        provider: ProviderName,
        *,
        subject: object,
        display_name: object,
        username: object = None,
        email: object = None,
        avatar_url: object = None,
    ) -> "Profile":
        """A profile as a provider sent it, made fit to store: invisible characters dropped
        (nobody can be asked to fix them), names cut to their columns, an over-long e-mail or
        a picture that is not an http(s) URL left out. A missing or odd account id is a
        `ValueError` (the login fails cleanly)."""
        account = _plain(subject)
        if account is None or not account.isascii() or len(account) > 100:
            raise ValueError(f"{provider} sent no usable account id")
        picture = _plain(avatar_url)
        mail = _plain(email)
        return cls(
            provider=provider,
            subject=account,
            display_name=(_plain(display_name) or f"{provider.title()} user")[:100],
            username=(_plain(username) or "")[:100] or None,
            email=mail if mail is not None and len(mail) <= 320 else None,
            avatar_url=picture
            if picture is not None and len(picture) <= 1000 and picture.startswith("https://")
            else None,
        )


def _plain(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return without_invisible_characters(str(value)).strip() or None


@dataclass(frozen=True)
class ProviderConfig:
    name: ProviderName
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    api_base_url: str
    scope: str | None
    token_auth_method: str
    pkce: bool


def configured_providers(settings: Settings) -> dict[ProviderName, ProviderConfig]:
    """Providers whose client id and secret are both set; the others are not offered."""
    providers: dict[ProviderName, ProviderConfig] = {}
    if settings.twitter_client_id and settings.twitter_client_secret:
        providers[ProviderName.TWITTER] = ProviderConfig(
            name=ProviderName.TWITTER,
            client_id=settings.twitter_client_id,
            client_secret=settings.twitter_client_secret.get_secret_value(),
            authorize_url=settings.twitter_authorize_url,
            token_url=settings.twitter_token_url,
            api_base_url=settings.twitter_api_base_url,
            scope="tweet.read users.read",
            token_auth_method="client_secret_basic",
            pkce=True,
        )
    if settings.facebook_client_id and settings.facebook_client_secret:
        assert settings.facebook_authorize_url is not None
        assert settings.facebook_token_url is not None
        assert settings.facebook_api_base_url is not None
        providers[ProviderName.FACEBOOK] = ProviderConfig(
            name=ProviderName.FACEBOOK,
            client_id=settings.facebook_client_id,
            client_secret=settings.facebook_client_secret.get_secret_value(),
            authorize_url=settings.facebook_authorize_url,
            token_url=settings.facebook_token_url,
            api_base_url=settings.facebook_api_base_url,
            scope="public_profile email",
            token_auth_method="client_secret_post",
            pkce=True,  # Facebook Login accepts S256 PKCE too: a stolen code alone is useless
        )
    return providers


async def _refuse_server_errors(response: httpx2.Response) -> None:
    if response.status_code >= 500:
        raise ProviderUnavailable(f"{response.request.url.host} answered {response.status_code}")


class ProviderClient:
    """One login's conversation with a provider."""

    def __init__(
        self,
        config: ProviderConfig,
        redirect_uri: str,
        timeout: float,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.redirect_uri = redirect_uri
        self._timeout = timeout
        self._transport = transport

    def _client(self) -> AsyncOAuth2Client:
        options: dict[str, Any] = {
            "timeout": self._timeout,
            "event_hooks": {"response": [_refuse_server_errors]},
        }
        if self._transport is not None:
            options["transport"] = self._transport
        return AsyncOAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            scope=self.config.scope,
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method=self.config.token_auth_method,
            code_challenge_method="S256" if self.config.pkce else None,
            **options,
        )

    def authorization_url(self, state: str) -> tuple[str, str | None]:
        """The URL to send the reader to, and the PKCE verifier to keep for the exchange."""
        verifier = generate_token(64) if self.config.pkce else None
        client = self._client()
        url, _ = client.create_authorization_url(
            self.config.authorize_url, state=state, code_verifier=verifier
        )
        return url, verifier

    async def fetch_profile(self, code: str, code_verifier: str | None) -> Profile:
        """Exchanges the code and reads the profile; the provider's token is not kept."""
        extra = {"code_verifier": code_verifier} if code_verifier else {}
        try:
            async with self._client() as client:
                token = await client.fetch_token(self.config.token_url, code=code, **extra)
                if self.config.name == ProviderName.TWITTER:
                    return await self._twitter_profile(client)
                return await self._facebook_profile(client, token["access_token"])
        except (httpx2.TimeoutException, httpx2.TransportError) as exc:
            raise ProviderUnavailable(str(exc)) from exc
        except (OAuthError, httpx2.HTTPStatusError) as exc:
            raise ProviderRefused(str(exc)) from exc
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ProviderRefused(f"unexpected reply from {self.config.name}: {exc!r}") from exc

    async def _twitter_profile(self, client: AsyncOAuth2Client) -> Profile:
        response = await client.get(
            f"{self.config.api_base_url}users/me", params={"user.fields": "profile_image_url"}
        )
        response.raise_for_status()
        data = response.json()["data"]
        return Profile.read(
            ProviderName.TWITTER,
            subject=data["id"],
            display_name=data.get("name") or data["username"],
            username=data.get("username"),
            avatar_url=data.get("profile_image_url"),
        )

    async def _facebook_profile(self, client: AsyncOAuth2Client, access_token: str) -> Profile:
        proof = hmac.new(
            self.config.client_secret.encode(), access_token.encode(), hashlib.sha256
        ).hexdigest()
        response = await client.get(
            f"{self.config.api_base_url}me",
            params={"fields": "id,name,email,picture", "appsecret_proof": proof},
        )
        response.raise_for_status()
        data = response.json()
        picture = (data.get("picture") or {}).get("data") or {}
        return Profile.read(
            ProviderName.FACEBOOK,
            subject=data["id"],
            display_name=data.get("name"),
            email=data.get("email"),
            avatar_url=picture.get("url"),
        )
