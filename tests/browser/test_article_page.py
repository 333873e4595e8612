"""The whole product in a real browser: an article page on the news site's origin, social login
through a fake provider over real HTTP, the session cookie, CORS and CSRF, and a posted comment.

Runs in headless Chromium (Debian's package) driven by Playwright; `.ci/run` installs both.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from moderation.scoring.scorers import Scorer
from moderation.text import count_characters
from service.app import create_app
from service.core.settings import Settings
from tests.support.fake_providers import FakeProviders, twitter_served_at
from tests.support.served import Served
from tests.support.stalled import unused_port

EVIL_PAGE = """<!doctype html><body>
<form id="forged" method="post" action="__API__/v1/articles/AEN-browser/comments"
      enctype="text/plain"><input name='{"body": "forged", "x": "' value='"}'></form>
<p id="fetch"></p>
<script>
  fetch("__API__/v1/articles/AEN-browser/comments", {
    method: "POST", credentials: "include",
    headers: {"Content-Type": "application/json", "X-Requested-With": "fetch"},
    body: JSON.stringify({body: "forged by fetch"}),
  }).then((r) => r.status, () => "blocked").then((s) => {
    document.getElementById("fetch").textContent = String(s);
  });
</script></body>"""


@pytest.fixture
def site(settings: Settings, scorer: Scorer) -> Iterator[tuple[str, str, str]]:
    """Origins on localhost: the news site, the comment service and the provider; and another
    site (127.0.0.1 is not localhost) that tries to post in the reader's name."""
    news, api, provider, evil = unused_port(), unused_port(), unused_port(), unused_port()
    api_url, news_url = f"http://localhost:{api}", f"http://localhost:{news}"
    configured = settings.model_copy(
        update={
            "public_url": api_url,
            "allowed_origins": [news_url],
            **twitter_served_at(f"http://localhost:{provider}"),
        }
    )
    page = (Path(__file__).parent / "article_page.html").read_text().replace("__API__", api_url)
    news_site = Starlette(routes=[Route("/article", lambda _: HTMLResponse(page))])
    evil_page = EVIL_PAGE.replace("__API__", api_url)
    evil_site = Starlette(routes=[Route("/", lambda _: HTMLResponse(evil_page))])
    with (
        Served(FakeProviders(public_url=api_url).asgi_app(), provider),
        Served(create_app(configured, scorer=scorer), api),
        Served(news_site, news),
        Served(evil_site, evil),
    ):
        yield f"{news_url}/article", f"http://127.0.0.1:{evil}/", api_url


def sign_in_on(page: Any, article: str) -> None:
    page.goto(article)
    sync_api.expect(page.locator("#who")).to_have_text("Not signed in")
    page.click("#login-twitter")  # → provider consent → callback → back on the article
    page.wait_for_url(article)
    sync_api.expect(page.locator("#who")).to_have_text("Signed in as Kim Min-jun")


def test_a_reader_signs_in_with_twitter_and_posts_from_the_article_page(
    site: tuple[str, str, str], browser: Any
) -> None:
    article, _, _ = site
    page = browser.new_page()

    sign_in_on(page, article)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["commentmod_session"]["httpOnly"] is True
    assert cookies["commentmod_session"]["sameSite"] == "Lax"

    text = "좋은 기사 감사합니다 👍🏽 Thanks for the clear report."
    page.fill("#body", text)
    # The browser's grapheme count (Intl.Segmenter) is the service's count.
    sync_api.expect(page.locator("#counter")).to_have_text(f"{count_characters(text)}/250자")
    page.click("#post")
    sync_api.expect(page.locator("#result")).to_have_text("201 published")


def test_another_site_cannot_post_in_the_readers_name(
    site: tuple[str, str, str], browser: Any
) -> None:
    article, evil, api = site
    page = browser.new_page()
    sign_in_on(page, article)

    page.goto(evil)
    sync_api.expect(page.locator("#fetch")).to_have_text("blocked")  # CORS refuses the origin
    with page.expect_navigation():
        page.evaluate("document.getElementById('forged').submit()")
    forged = page.locator("body").inner_text()

    assert "not_authenticated" in forged  # SameSite=Lax: the cookie stays home
    comments = page.request.get(f"{api}/v1/articles/AEN-browser/comments").json()
    assert comments["items"] == []
