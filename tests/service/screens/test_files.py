"""How the screens' files are served: the console under its own strict policy, the embed script
loadable from any news page (CORS) and cacheable by a CDN, both small and both bilingual."""

import gzip
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.screens.router import (
    CONSOLE_CONTENT_SECURITY_POLICY,
    EMBED_CACHE_CONTROL,
    STATIC,
    VERSIONED_CACHE_CONTROL,
)

NEWS_PAGE = "https://www.example-news.kr"


@pytest.mark.parametrize("path", ["/embed.js", "/screens/dom.js"])
def test_the_embed_script_and_its_modules_load_from_any_site_and_revalidate(
    client: TestClient, path: str
) -> None:
    first = client.get(path, headers={"Origin": "https://another-paper.example"})
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/javascript")
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.headers["cache-control"] == EMBED_CACHE_CONTROL
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(("entry", "imports"), [("/embed.js", "./"), ("/admin/console.js", "/")])
def test_the_entry_scripts_import_the_shared_module_by_its_version(
    client: TestClient, entry: str, imports: str
) -> None:
    script = client.get(entry).text
    found = re.search(rf'from "{imports}screens/dom\.js\?v=([0-9a-f]{{16}})"', script)
    assert found is not None
    shared = client.get(f"/screens/dom.js?v={found.group(1)}")
    assert shared.headers["cache-control"] == VERSIONED_CACHE_CONTROL
    assert shared.content == (STATIC / "screens" / "dom.js").read_bytes()
    stale = client.get("/screens/dom.js?v=0000000000000000")
    assert stale.headers["cache-control"] == EMBED_CACHE_CONTROL  # not pinned forever


@pytest.mark.parametrize("origin", [NEWS_PAGE, "https://another-paper.example", None])
def test_every_page_gets_the_same_cacheable_embed_script(
    client: TestClient, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin else {}
    answer = client.get("/embed.js", headers=headers)
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers
    assert "vary" not in answer.headers  # one copy in a CDN, whoever asks


def test_the_console_is_served_under_its_own_policy(client: TestClient) -> None:
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert '<script type="module" src="console.js">' in page.text
    for path in ("/admin/", "/admin/console.js", "/admin/console.css", "/admin/texts.js"):
        answer = client.get(path)
        assert answer.headers["content-security-policy"] == CONSOLE_CONTENT_SECURITY_POLICY
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["cache-control"] == "no-cache"  # a reload gets the newest console
    assert "'unsafe-inline'" not in CONSOLE_CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/admin/../app.py", "/admin/%2e%2e/app.py", "/admin/nothing.js"])
def test_nothing_outside_the_console_folder_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_embed_is_under_30_kb_gzipped() -> None:
    files = [STATIC / "embed.js", *sorted((STATIC / "screens").glob("*.js"))]
    size = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
    assert size < 30 * 1024, size


def _keys(source: str, language: str) -> set[str]:
    block = re.search(rf"^  {language}: \{{\n(.*?)^  \}},$", source, re.MULTILINE | re.DOTALL)
    assert block is not None, language
    return set(re.findall(r"^    (\w+):", block.group(1), re.MULTILINE))


@pytest.mark.parametrize("path", ["embed.js", "admin/texts.js"])
def test_every_text_has_an_english_and_a_korean_version(path: str) -> None:
    source = Path(STATIC / path).read_text()
    english, korean = _keys(source, "en"), _keys(source, "ko")
    assert len(english) > 40
    assert english == korean, english ^ korean
