"""`origin_of` decides which sites get credentials (CORS), may write with the cookie (CSRF) and
may receive a reader after login: a security boundary, so every shape of input is in this table."""

import pytest

from service.core.origins import origin_of


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        # Plain origins and URLs: scheme and host lower-cased, default ports dropped.
        ("https://www.example.com", "https://www.example.com"),
        ("https://www.example.com/", "https://www.example.com"),
        ("https://WWW.Example.COM/news/1?x=1#c", "https://www.example.com"),
        ("HTTPS://www.example.com", "https://www.example.com"),
        ("http://localhost:8080/article", "http://localhost:8080"),
        ("https://www.example.com:443/", "https://www.example.com"),
        ("http://www.example.com:80/", "http://www.example.com"),
        ("https://www.example.com:80/", "https://www.example.com:80"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://[::1]:8000/x", "http://[::1]:8000"),
        ("https://xn--hq1bm8jm9l.kr/", "https://xn--hq1bm8jm9l.kr"),
        # Not absolute http(s): no origin.
        ("", None),
        ("/relative/path", None),
        ("//evil.example/path", None),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("ftp://files.example.com/", None),
        ("null", None),
        ("www.example.com", None),
        ("https://", None),
        # Tricks that make browsers and parsers disagree: refused outright.
        ("https://user:pass@www.example.com/", None),
        ("https://www.example.com@evil.example/", None),
        ("https://evil.example\\@www.example.com/", None),
        ("https:\\\\evil.example", None),
        ("https://www.example.com\t.evil.example/", None),
        ("https://www.example.com\r\n.evil.example/", None),
        ("https://www.example.com .evil.example/", None),
        ("https://www.exam\x00ple.com/", None),
        ("https://www.example.com\u202e/", None),
        # Unparsable hosts and ports.
        ("http://[", None),
        ("https://[::1/", None),
        ("https://www.example.com:99999/", None),
        ("https://www.example.com:port/", None),
    ],
)
def test_origin_of(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin


def test_a_look_alike_of_an_allowed_origin_is_another_origin() -> None:
    allowed = "https://www.example-news.kr"

    assert origin_of(f"{allowed}.evil.example/") != allowed
    assert origin_of("https://www.example-news.kr.") != allowed
    assert origin_of("http://www.example-news.kr/") != allowed
