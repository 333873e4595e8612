"""Links in comments: what a spammer writes is found, what a reader writes is left alone."""

import dataclasses

import pytest

from moderation.links import Link, domain_listed, find_links, normalise_domain

FULL_WIDTH_EXAMPLE_COM = "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d"
"""`example.com` in full-width letters and a full-width full stop."""


def only_link(comment: str) -> Link:
    links = find_links(comment)
    assert len(links) == 1, links
    return links[0]


@pytest.mark.parametrize(
    ("comment", "text", "domain"),
    [
        ("see http://example.com/path?x=1 now", "http://example.com/path?x=1", "example.com"),
        ("https://example.com", "https://example.com", "example.com"),
        ("hxxp://evil.example.net/x", "hxxp://evil.example.net/x", "evil.example.net"),
        ("hxxps://evil.example.net", "hxxps://evil.example.net", "evil.example.net"),
        ("ftp://files.example.org/pub", "ftp://files.example.org/pub", "files.example.org"),
        ("http://example.com:8080/a", "http://example.com:8080/a", "example.com"),
        (
            "http://user:pw@shop.example.com/",
            "http://user:pw@shop.example.com/",
            "shop.example.com",
        ),
        ("HTTPS://EXAMPLE.COM/A", "HTTPS://EXAMPLE.COM/A", "example.com"),
        ("https://www.example.com/", "https://www.example.com/", "example.com"),
        ("hxxps[:]//evil[.]com/x", "hxxps[:]//evil[.]com/x", "evil.com"),
        ("https://example.unknowntld/x", "https://example.unknowntld/x", "example.unknowntld"),
    ],
    ids=lambda value: str(value),
)
def test_a_url_with_a_scheme_is_found(comment: str, text: str, domain: str) -> None:
    assert only_link(comment) == Link(text, domain)


@pytest.mark.parametrize(
    ("comment", "text", "domain"),
    [
        ("www.example.com", "www.example.com", "example.com"),
        ("go to WWW.Example.co.kr/path now", "WWW.Example.co.kr/path", "example.co.kr"),
        ("www.unknownsite.zz", "www.unknownsite.zz", "unknownsite.zz"),
        ("www[.]example[.]com", "www[.]example[.]com", "example.com"),
    ],
)
def test_www_without_a_scheme_is_found(comment: str, text: str, domain: str) -> None:
    assert only_link(comment) == Link(text, domain)


@pytest.mark.parametrize(
    ("comment", "text", "domain"),
    [
        ("buy at shop.example.com today", "shop.example.com", "shop.example.com"),
        ("example.shop", "example.shop", "example.shop"),
        ("cheap-watches.net!!", "cheap-watches.net", "cheap-watches.net"),
        ("naver.me/x", "naver.me/x", "naver.me"),
        ("bit.ly/abc", "bit.ly/abc", "bit.ly"),
        ("t.me/channel", "t.me/channel", "t.me"),
        ("t.co/abc", "t.co/abc", "t.co"),
        ("x.com", "x.com", "x.com"),
        ("open.kakao.com/o/abc", "open.kakao.com/o/abc", "open.kakao.com"),
        ("example.de", "example.de", "example.de"),
        ("example.co.jp", "example.co.jp", "example.co.jp"),
        ("casino777.xyz", "casino777.xyz", "casino777.xyz"),
        ("EXAMPLE.COM", "EXAMPLE.COM", "example.com"),
        ("Naver.Com", "Naver.Com", "naver.com"),
        ("example.com:8080/x", "example.com:8080/x", "example.com"),
        ("wait...example.com", "example.com", "example.com"),
        ("Hello.it", "Hello.it", "hello.it"),
    ],
)
def test_a_bare_domain_with_a_known_tld_is_found(comment: str, text: str, domain: str) -> None:
    assert only_link(comment) == Link(text, domain)


@pytest.mark.parametrize(
    ("comment", "text", "domain"),
    [
        ("한국.kr", "한국.kr", "xn--3e0b707e.kr"),
        ("예시.한국", "예시.한국", "xn--vv4b11d.xn--3e0b707e"),
        ("xn--3e0b707e.kr", "xn--3e0b707e.kr", "xn--3e0b707e.kr"),
        ("예시.xn--3e0b707e", "예시.xn--3e0b707e", "xn--vv4b11d.xn--3e0b707e"),
        ("여기 naver.com에서 봤어요", "naver.com", "naver.com"),
        ("주소는naver.com입니다", "naver.com", "naver.com"),
        ("example.닷컴", "example.닷컴", "example.xn--mk1bu44c"),
    ],
)
def test_korean_domains_and_domains_inside_korean_are_found(
    comment: str, text: str, domain: str
) -> None:
    assert only_link(comment) == Link(text, domain)


@pytest.mark.parametrize(
    ("comment", "text"),
    [
        ("shop\uff0eexample\uff0ecom", "shop\uff0eexample\uff0ecom"),
        ("example\u3002com", "example\u3002com"),
        ("example\uff61com", "example\uff61com"),
        (FULL_WIDTH_EXAMPLE_COM, None),
        ("\u24d4\u24e7\u24d0\u24dc\u24df\u24db\u24d4.\u24d2\u24de\u24dc", None),  # circled
        ("exa\u200bmple.com", "exa\u200bmple.com"),  # zero-width space
        ("example\u200d.com", "example\u200d.com"),  # zero-width joiner
    ],
)
def test_full_width_ideographic_and_invisible_disguises_are_seen_through(
    comment: str, text: str | None
) -> None:
    link = only_link(f"광고 {comment} 클릭")
    assert link.domain.endswith("example.com")
    assert link.text == (text or comment)  # the span as the reader typed it


@pytest.mark.parametrize(
    "comment",
    [
        "example dot com",
        "example [dot] com",
        "example (dot) com",
        "example {dot} com",
        "example(.)com",
        "example [.] com",
        "example[.]com",
        "example DOT com",
        "example Dot Com",
        "example 닷 com",
        "example 점 com",
        "example (점) com",
        "example  dot  com",
    ],
)
def test_a_spelt_out_dot_is_a_dot(comment: str) -> None:
    assert only_link(f"visit {comment} now") == Link(comment, "example.com")


def test_a_spelt_out_dot_can_join_several_labels() -> None:
    assert only_link("shop dot example dot co dot kr").domain == "shop.example.co.kr"


def test_a_spelt_out_dot_after_a_function_word_starts_the_domain_after_it() -> None:
    assert only_link("the dot example dot com") == Link("example dot com", "example.com")


@pytest.mark.parametrize(
    ("comment", "text", "domain"),
    [
        ("http://192.168.0.1/login", "http://192.168.0.1/login", "192.168.0.1"),
        ("hxxp://10.0.0.1:8080", "hxxp://10.0.0.1:8080", "10.0.0.1"),
        ("1.2.3.4/path", "1.2.3.4/path", "1.2.3.4"),
        ("go 1.2.3.4:8080 now", "1.2.3.4:8080", "1.2.3.4"),
    ],
)
def test_an_ip_address_with_a_scheme_or_a_path_is_a_link(
    comment: str, text: str, domain: str
) -> None:
    assert only_link(comment) == Link(text, domain)


@pytest.mark.parametrize(
    "comment",
    ["version 1.2.3.4 is out", "http://999.1.1.1/", "http://localhost/", "http://[::1]/"],
)
def test_no_link_without_a_valid_address_or_dotted_host(comment: str) -> None:
    assert find_links(comment) == []


@pytest.mark.parametrize(
    ("comment", "text", "domain"),
    [
        ("mail reader@example.com", "reader@example.com", "example.com"),
        (
            "문의 foo.bar+x@mail.example.co.kr!",
            "foo.bar+x@mail.example.co.kr",
            "mail.example.co.kr",
        ),
        ("me@hello.it", "me@hello.it", "hello.it"),
    ],
)
def test_an_email_address_is_a_link_to_its_domain(comment: str, text: str, domain: str) -> None:
    """Spammers post contact addresses as often as URLs: an address is held like a link."""
    assert only_link(comment) == Link(text, domain)


@pytest.mark.parametrize(
    ("comment", "text"),
    [
        ("Go to https://example.com/x.", "https://example.com/x"),
        ("(see https://example.com/a)", "https://example.com/a"),
        ("(see https://example.com/Seoul_(city)).", "https://example.com/Seoul_(city)"),
        ('"https://example.com/x", he said', "https://example.com/x"),
        ("https://example.com/x?!", "https://example.com/x"),
        ("https://example.com.", "https://example.com"),
        ("example.com/x, and", "example.com/x"),
    ],
)
def test_the_punctuation_of_the_sentence_is_not_part_of_the_url(comment: str, text: str) -> None:
    assert only_link(comment).text == text


def test_links_come_in_order_and_each_domain_once() -> None:
    comment = "b.com then https://a.com/1 and www.b.com/2, a dot com, c.net"
    assert find_links(comment) == [
        Link("b.com", "b.com"),
        Link("https://a.com/1", "a.com"),
        Link("c.net", "c.net"),
    ]


def test_a_host_runs_on_past_a_known_tld_so_an_allow_list_cannot_be_fooled() -> None:
    for comment in ["bbc.co.uk.evil.zz", "https://bbc.co.uk.evil.zz/x", "www.bbc.co.uk.evil.zz"]:
        link = only_link(comment)
        assert link.domain == "bbc.co.uk.evil.zz"
        assert not domain_listed(link.domain, ["bbc.co.uk"])


def test_a_link_is_a_frozen_value() -> None:
    link = Link("example.com", "example.com")
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.domain = "other.com"  # type: ignore[misc]


@pytest.mark.parametrize(
    "comment",
    [
        "e.g. this one",
        "i.e. that one",
        "the U.S. policy",
        "the U.S.A. and U.K.",
        "at 9 a.m. today",
        "at 5 p.m.",
        "Mr.Smith said",
        "pi is 3.14",
        "version 2.0.1",
        "Hello.World",
        "end of sentence.Next sentence",
        "file.txt",
        "wait...what",
        "wait\u2026what",
        "정말.그래요",
        "1.000.000",
        "₩1.000.000원",
        "the end. It was",
        "the end. it was",
        "the end.It was",
        "Hello.It",
        "is.it true",
        "so.it goes",
        "I SAID NO.IT IS",
        "that's the end.it's over",
        "meet at 10.am",
        "the dot com bubble",
        "a dot com company",
        "a red dot in the sky",
        "connect the dots to see",
        "B.Sc in physics",
        "M.Sc.",
        "Ph.D.",
        "a.k.a. him",
        "Samsung Co.Ltd",
        "St.Louis",
        "No.1 player",
        "vol.2",
        "Jan.1",
        "node.js",
        "대단하다.한국 최고",
        "좋은 점 com",
        "I went to the store.Shop there",
        "it was great.So",
        "done.Go home",
        "Korea.Me too",
        "",
        "...",
        "@@@",
        "http://",
        "www.",
        "a.b",
    ],
)
def test_prose_is_not_a_link(comment: str) -> None:
    assert find_links(comment) == []


@pytest.mark.parametrize(
    "comment",
    [
        "a." * 5000,
        "a" * 10_000,
        "a-" * 5000,
        "." * 10_000,
        "[" * 10_000,
        "a dot " * 1700,
        "a [.] " * 1700,
        "a" + " " * 9998 + "b",
        "x@" * 5000,
        "1." * 5000,
        "가a" * 5000,
        "http://" * 1400,
        "http://" + "a." * 4990,
        "http://" + "a" * 9990,
        "a" * 9990 + "@b.com",
        "www." * 2500,
        "\uff41\uff0e" * 5000,
        "\u200b." * 5000,
        "a.com " * 1666,
        "https://a.com/" + ")" * 9980,
        "a" + "-" * 9998 + "a.com",
    ],
    ids=lambda comment: f"{comment[:12]!r}x{len(comment)}",
)
def test_a_pathological_comment_is_read_without_catastrophic_backtracking(comment: str) -> None:
    """Each of these finishes in milliseconds; a backtracking regex would hang here."""
    assert isinstance(find_links(comment), list)


def test_found_domains_are_already_normalised() -> None:
    comment = (
        f"Other.COM, www.Shop.Example.org, 예시.한국, http://10.0.0.1/x, {FULL_WIDTH_EXAMPLE_COM}"
    )
    links = find_links(comment)
    assert len(links) == 5
    for link in links:
        assert normalise_domain(link.domain) == link.domain


@pytest.mark.parametrize(
    ("entry", "domain"),
    [
        ("example.com", "example.com"),
        ("Example.COM", "example.com"),
        ("www.example.com", "example.com"),
        ("WWW.example.com", "example.com"),
        ("https://example.com/x", "example.com"),
        ("https://www.example.com:443/x?y#z", "example.com"),
        ("//example.com/x", "example.com"),
        ("user@example.com", "example.com"),
        ("example.com.", "example.com"),
        ("  example.com  ", "example.com"),
        ("*.example.com", "example.com"),
        (".example.com", "example.com"),
        ("example.com:8080", "example.com"),
        ("shop.example.co.kr", "shop.example.co.kr"),
        ("예시.한국", "xn--vv4b11d.xn--3e0b707e"),
        ("XN--VV4B11D.xn--3e0b707e", "xn--vv4b11d.xn--3e0b707e"),
        (FULL_WIDTH_EXAMPLE_COM, "example.com"),
        ("example。com", "example.com"),
        ("example.unknowntld", "example.unknowntld"),
        ("www.com", "www.com"),
        ("192.168.0.1", "192.168.0.1"),
        ("http://192.168.0.1:8080/login", "192.168.0.1"),
        ("[::1]", "::1"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_an_admin_entry_is_normalised_to_a_domain(entry: str, domain: str) -> None:
    assert normalise_domain(entry) == domain


@pytest.mark.parametrize(
    "entry",
    [
        "",
        "   ",
        "localhost",
        "example",
        "exa mple.com",
        "example .com",
        "3.14",
        "1.000.000",
        "256.1.1.1",
        "example.c",
        "-example.com",
        "example-.com",
        "exa_mple.com",
        "a..com",
        "http://",
        "https:///path",
        ("a" * 64) + ".com",
        ".".join(["a" * 60] * 5) + ".com",
    ],
)
def test_an_entry_that_is_not_a_domain_is_none(entry: str) -> None:
    assert normalise_domain(entry) is None


@pytest.mark.parametrize(
    ("domain", "listed", "expected"),
    [
        ("example.com", ["example.com"], True),
        ("example.com", ["Example.COM"], True),
        ("example.com", ["www.example.com"], True),
        ("example.com", ["https://example.com/x"], True),
        ("shop.example.com", ["example.com"], True),
        ("a.b.example.com", ["example.com"], True),
        ("example.com", ["ample.com"], False),
        ("notexample.com", ["example.com"], False),
        ("example.com", ["shop.example.com"], False),
        ("example.com.evil.zz", ["example.com"], False),
        ("example.com", [], False),
        ("example.com", ["", "localhost", "other.org", "example.com"], True),
        ("xn--vv4b11d.xn--3e0b707e", ["예시.한국"], True),
        ("예시.한국", ["xn--vv4b11d.xn--3e0b707e"], True),
        ("192.168.0.1", ["192.168.0.1"], True),
        ("192.168.0.1", ["168.0.1"], False),
        ("not a domain", ["example.com"], False),
    ],
)
def test_domain_listed_matches_the_domain_and_its_subdomains(
    domain: str, listed: list[str], expected: bool
) -> None:
    assert domain_listed(domain, listed) is expected


def test_domain_listed_takes_any_iterable() -> None:
    assert domain_listed("shop.example.com", (entry for entry in ["x.org", "example.com"]))


def test_a_found_link_checks_against_an_allow_list() -> None:
    allowed = ["news.example.co.kr", "https://www.korea.kr/"]
    links = find_links("출처 https://WWW.Korea.KR/briefing 그리고 spam dot xyz")
    assert [domain_listed(link.domain, allowed) for link in links] == [True, False]
