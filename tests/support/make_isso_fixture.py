"""Remake `tests/service/imports/fixtures/isso.db`: a database written by Isso's own code.

The comments go through Isso's HTTP API (POST /new, DELETE /id/<id>) in-process, so the rows,
modes, HTML-escaped author names and flattened reply parents are what a real Isso site holds.
Isso is not a dependency of the project: run this with a scratch environment that has it,

    python3 -m venv /tmp/isso-venv && /tmp/isso-venv/bin/pip install isso==0.14.0
    /tmp/isso-venv/bin/python tests/support/make_isso_fixture.py

and update tests/service/imports/test_sources_isso.py if the comments below change.
"""

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import isso.db.comments  # type: ignore[import-not-found]
from isso import Isso, config, core
from werkzeug.test import Client

FIXTURE = Path(__file__).resolve().parents[1] / "service/imports/fixtures/isso.db"
ARTICLE = "/2026/12/07/some-article"
OTHER = "/2026/12/08/other-article"
LONG = (
    "I have read this article twice and I still think the numbers in the third paragraph do\r\n"
    "not add up: the council says the budget grew by ten percent, but the table shows the\r\n"
    "same totals as last year.\r\n\r\n"
    "Could the newsroom check the figures with the council and publish a correction if needed?"
)


class Clock:
    """Isso stamps `created` with `time.time()`; a fixed clock keeps the fixture's dates stable
    (from 2026-12-07 09:00 UTC, 90.5 s per comment, fractions as Isso's floats have them)."""

    def __init__(self) -> None:
        self.now = 1796634000.0

    def time(self) -> float:
        self.now += 90.5
        return self.now


class App(Isso, core.Mixin):  # type: ignore[misc]
    """What Isso's own tests serve: the app without its background purge thread."""


def client(*, moderated: bool) -> Client:
    """An Isso site on the fixture file; the guard (rate limit, reply-to-self) is off because it
    compares the fixed clock with the real one."""
    conf = config.load(config.default_file())
    conf.set("general", "dbpath", str(FIXTURE))
    conf.set("general", "host", "http://example.com/")
    conf.set("guard", "enabled", "false")
    conf.set("moderation", "enabled", "true" if moderated else "false")
    return Client(App(conf))


def post(site: Client, uri: str, ip: str, **comment: Any) -> int:
    """Posts as a reader at `ip` would; the title spares Isso fetching the page for it."""
    response = site.post(
        f"/new?uri={quote(uri)}",
        data=json.dumps({"title": uri.rsplit("/", 1)[-1], **comment}),
        content_type="application/json",
        environ_overrides={"REMOTE_ADDR": ip},
    )
    assert response.status_code in (201, 202), response.get_data(as_text=True)
    comment_id: int = json.loads(response.get_data())["id"]
    return comment_id


def delete(site: Client, comment_id: int) -> None:
    """Deletes as its author would, with the cookie Isso set when it was posted."""
    response = site.delete(f"/id/{comment_id}")
    assert response.status_code == 200, response.get_data(as_text=True)


def main() -> None:
    FIXTURE.unlink(missing_ok=True)
    isso.db.comments.time = Clock()

    site = client(moderated=False)
    minsu = post(
        site,
        ARTICLE,
        "203.0.113.1",
        author="김민수",
        email="minsu@example.kr",
        text="  좋은 기사 감사합니다. 다음 기사도 기대할게요!  ",
    )
    jane = post(
        site,
        ARTICLE,
        "203.0.113.2",
        author="Jane Doe",
        email="jane@example.com",
        website="jane.example.com",
        parent=minsu,
        text="**Agreed.** The [council minutes](https://example.com/minutes) say the same.",
    )
    post(site, ARTICLE, "203.0.113.3", parent=jane, text="A reply to a reply, anonymously.")
    post(site, ARTICLE, "203.0.113.4", author="Tom & Jerry", text=LONG)
    regret = post(
        site, ARTICLE, "203.0.113.5", author="Regretful", email="r@example.com", text="Oops."
    )
    post(site, ARTICLE, "203.0.113.6", author="Kim", text="What did you mean?", parent=regret)
    gone = post(site, OTHER, "203.0.113.7", author="Kim", text="Posted by mistake.")
    post(site, OTHER, "203.0.113.8", email="anon@example.org", text="No name, only an e-mail.")
    delete(site, regret)
    delete(site, gone)

    post(client(moderated=True), OTHER, "203.0.113.9", author="Newcomer", text="Awaiting a look.")


if __name__ == "__main__":
    main()
