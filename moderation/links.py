"""Links in a reader's comment, found the way spammers write them.

A news site holds or rejects comments that carry links, so this module has to see a link
however it is dressed up: with or without a scheme (`hxxp://` included), behind `www.`, as a
bare domain with a known top-level domain, in full-width letters, with a full-width (U+FF0E) or
ideographic dot (`example。com`), with the dot spelt out (`example dot com`, `example [.] com`,
`example 닷 com`), with zero-width characters in the middle, or in Korean (`예시.한국`). Each
link is reported with its host normalised (lower case, ASCII with IDN as punycode, no `www.`),
so that an allow or deny list can be checked against it.

A false link hurts a reader whose comment is held for nothing, so prose is read as prose:

- a bare domain needs a known top-level domain (`file.txt`, `Mr.Smith`, `3.14` are not links);
- a dot followed by a space ends a sentence (`the end. It was` is not `end.it`);
- top-level domains that are also English words (`it`, `me`, `to`, `world`, `shop`, ...) need
  a label of at least two characters with a letter before them that is not a function word
  (`is.it`, `a.m`), are not taken after a spelt-out dot (`a red dot in the sky`), and not when
  written like the first word of a sentence glued to the last (`Hello.World`, `Hello.It`);
  `t.me` (Telegram) is the one short host let through;
- one letter before a capitalised top-level domain is initials (`B.Sc`), not a domain;
- a spelt-out dot after a function word is prose (`the dot com bubble`);
- a Korean top-level domain after a sentence ending (`대단하다.한국 최고`) is prose.

Decisions worth knowing:

- an e-mail address (`reader@example.com`) is a link to its domain: spammers post contact
  addresses as readily as URLs, and a held comment costs less than a published one;
- a URL's host (with a scheme or `www.`) is taken whole, whatever its last label: the host a
  browser would visit is the one an allow list must judge (`https://bbc.co.uk.evil.zz` is not
  `bbc.co.uk`); for the same reason a bare domain runs on over plain-dotted ASCII labels after
  its known top-level domain;
- IP addresses count with a scheme (`http://192.168.0.1/login`) or, bare, when a path or port
  follows (`1.2.3.4/path`); a version number `1.2.3.4` alone is not a link;
- hosts without a dot (`http://localhost`) and IPv6 hosts in URLs are not reported.
"""

import ipaddress
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import regex

from moderation.text import IGNORABLE


@dataclass(frozen=True)
class Link:
    """One link as the comment wrote it (`text`) and the host it leads to (`domain`)."""

    text: str
    domain: str


_COUNTRY_TLDS = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br "
    "bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do "
    "dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt "
    "gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp "
    "kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms "
    "mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr "
    "ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx "
    "sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn "
    "vu wf ws ye yt za zm zw"
).split()
"""Every delegated two-letter country code top-level domain (ISO 3166 plus ac, eu, su, uk)."""

_GENERIC_TLDS = (
    "com net org info biz edu gov mil int mobi asia tel aero coop museum xxx xyz icu vip cyou "
    "sbs cfd bond"
).split()
"""Generic top-level domains that read as no English word."""

_WORD_TLDS = (
    "top shop store online site website club app dev page live life world click link buzz win "
    "bet casino poker bingo loan loans money cash credit finance fund fun space tech pro name "
    "one zone plus guru email news blog today art best help support host cloud market trade "
    "review party date sex porn adult work rest monster quest beauty hair skin makeup lol mom "
    "autos boats homes fit run tube video movie music photo photos deals sale cheap network "
    "digital agency media studio design city land house global social chat love sexy hot bid "
    "download stream racing science cricket men game games jobs travel cat post"
).split()
"""Generic top-level domains that are English words: common or abused by spammers. `ltd` and
`inc` are left out on purpose (`Samsung Co.Ltd`)."""

_IDN_TLDS = (
    "한국 닷컴 닷넷 삼성 中国 中國 公司 网络 在线 网址 香港 台湾 台灣 新加坡 商城 游戏 "
    "рф онлайн сайт укр бел срб みんな コム"  # noqa: RUF001 (Cyrillic on purpose)
).split()
"""Internationalised top-level domains, in Unicode; their punycode forms are derived."""

_KNOWN_TLDS = frozenset(
    _COUNTRY_TLDS
    + _GENERIC_TLDS
    + _WORD_TLDS
    + _IDN_TLDS
    + [tld.encode("idna").decode("ascii") for tld in _IDN_TLDS]
)
"""The top-level domains a bare domain (no scheme, no `www.`) must end in to count as a link:
lower case, IDN ones both in Unicode and as punycode."""

_PROSE_TLDS = frozenset(
    "ad am as at be by do go id in is it me my no pm so to us".split() + _WORD_TLDS
)
"""Top-level domains that are also words in English prose, read with more suspicion."""

_FUNCTION_WORDS = frozenset(
    (
        "a an the and or but nor if of to in on at by for with from as into onto than then is "
        "it its be am are was were been do does did so no not my me we us you he she they i "
        "him her his our your their this that these those there here go up oh ok yes yet all "
        "any some one just also too very"
    ).split()
)
"""Words a spelt-out dot or a prose-like top-level domain never follows in a real link."""

_SHORT_LINK_HOSTS = frozenset({"t.me"})
"""Hosts too short for the prose rules that spammers post all the time (Telegram)."""

_SENTENCE_ENDINGS = frozenset("다요죠까음함임됨")
"""Korean syllables that end a sentence: `대단하다.한국` is two sentences glued, not a
domain."""

_CJK = r"\p{Hangul}\p{Han}\p{Hiragana}\p{Katakana}"
_OTHER = rf"[\p{{L}}\p{{M}}\p{{N}}--[{_CJK}]]"
_OTHER_OR_HYPHEN = rf"[[\p{{L}}\p{{M}}\p{{N}}\-]--[{_CJK}]]"
_LABEL = (
    rf"(?:{_OTHER}(?:{_OTHER_OR_HYPHEN}{{0,61}}{_OTHER})?"
    rf"|[{_CJK}](?:[{_CJK}\-]{{0,61}}[{_CJK}])?)"
)
"""A domain label of one kind of script: Korean, Chinese and Japanese run into neighbouring
words without spaces (`naver.com에서`, `주소는naver.com`), so a label is either all CJK or
none of it."""

_SPELT_WORDS = r"(?:dot|닷|점)"
_SEPARATOR = (
    r"(?:\."
    rf"|\s*[\[\(\{{<]\s*(?:{_SPELT_WORDS}|\.)\s*[\]\)\}}>]\s*"
    rf"|\s+{_SPELT_WORDS}\s+)"
)
"""A dot, plain, bracketed (`[.]`, `(dot)`, `{닷}`) or spelt out between spaces (`dot`, `닷`,
`점`)."""

_RUN = regex.compile(
    rf"""(?V1ix)
    (?:(?<![\p{{L}}\p{{M}}\p{{N}}_@\-])|(?<=[{_CJK}])(?![{_CJK}]))  # a word starts here
    (?<![\p{{L}}\p{{M}}\p{{N}}]\.)  # and is not the tail of a dotted name
    (?:
        (?P<scheme>(?:h(?:tt|xx)ps?|s?ftps?)(?::|\[:\])//)(?:[^\s/?\#@]{{1,256}}+@)?
        | (?P<local>[\p{{L}}\p{{N}}._%+\-]{{1,64}}+)@
    )?
    (?P<label>{_LABEL})(?:(?P<sep>{_SEPARATOR})(?P<label>{_LABEL}))+
    """
)
"""A run of labels joined by dots, with the scheme or e-mail local part before it; the code
decides where in it a domain is. No two quantifiers can share the same characters (a label
never holds a dot or a space) and nothing follows the repetition, so there is no catastrophic
backtracking: a 10,000-character comment is read in milliseconds."""

_TAIL = regex.compile(r"(?::\d{1,5}(?!\d))?(?:[/?#]\S*)?")
"""A port and a path after a host."""

_TRAILING = frozenset(".,;:!?'\"\u2019\u201d)]}>\u3001")
"""Punctuation that ends the sentence around a URL rather than the URL."""

_APOSTROPHES = frozenset("'\u2019")
_BRACKETS = ("[", "(", "{", "<")
_WWW = regex.compile(r"(?i)www\d{0,3}")
_ASCII_LABEL = regex.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")
_TLD_SHAPE = regex.compile(r"[a-z]{2,63}|xn--[a-z0-9\-]{1,59}")
_URL_SCHEME = regex.compile(r"(?i)[a-z][a-z0-9+.\-]*://")
_DOTS = str.maketrans({"\u3002": "."})
"""The ideographic full stop, which NFKC keeps; NFKC already turns the full-width full stop
(U+FF0E) into a dot and the half-width ideographic one (U+FF61) into U+3002."""


def find_links(text: str) -> list[Link]:
    """Every link in the text, in order of appearance, each domain once (first occurrence)."""
    normal, origin = _normalise(text)
    links: list[Link] = []
    seen: set[str] = set()
    for match in _RUN.finditer(normal):
        for start, end, domain in _links_in(match, normal):
            if domain not in seen:
                seen.add(domain)
                links.append(Link(text[origin[start] : origin[end - 1] + 1], domain))
    return links


def domain_listed(domain: str, listed: Iterable[str]) -> bool:
    """Whether the domain is one of `listed` or a subdomain of one.

    Entries are normalised like `normalise_domain`, so an admin may list `Example.COM`,
    `www.example.com` or `https://example.com/x`; a suffix counts only at a label boundary
    (`ample.com` does not match `example.com`), and an IP address only as a whole.
    """
    target = normalise_domain(domain)
    if target is None:
        return False
    for entry in listed:
        wanted = normalise_domain(entry)
        if wanted is None:
            continue
        if target == wanted or (not _is_ip(wanted) and target.endswith("." + wanted)):
            return True
    return False


def normalise_domain(entry: str) -> str | None:
    """An admin's allow/deny-list entry as a domain, or None when it names none.

    Accepts a bare domain, a URL, `www.`, a leading `*.`, IDN in Unicode or punycode, a trailing
    dot; an IP address is kept as it is. None for an empty entry, one with spaces, or a name
    without a dot.
    """
    host = _normalise(entry)[0].strip()
    if not host or any(char.isspace() for char in host):
        return None
    scheme = _URL_SCHEME.match(host)
    if scheme is not None:
        host = host[scheme.end() :]
    elif host.startswith("//"):
        host = host[2:]
    host = regex.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rpartition("@")[2]
    if host.startswith("["):
        return _ip(host[1:].partition("]")[0])
    address = _ip(host) or _ip(regex.sub(r":\d{1,5}$", "", host))
    if address is not None:
        return address
    host = regex.sub(r":\d{0,5}$", "", host).rstrip(".").removeprefix("*.").lstrip(".")
    return _ascii_domain(host.split("."))


def _normalise(text: str) -> tuple[str, list[int]]:
    """The text as a link reads it, and for each of its characters the index it came from.

    NFKC turns full-width, circled and mathematical letters into plain ones and the full-width
    full stop into a dot; characters that draw nothing (zero-width spaces, joiners) are dropped,
    because a reader does not see them and a spammer uses them to break up a domain.
    """
    if text.isascii():
        return text, list(range(len(text)))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in IGNORABLE:
            continue
        mapped = unicodedata.normalize("NFKC", char).translate(_DOTS)
        pieces.append(mapped)
        origin.extend([index] * len(mapped))
    return "".join(pieces), origin


def _links_in(match: regex.Match[str], normal: str) -> Iterator[tuple[int, int, str]]:
    """The links in one dotted run: start and end in the normalised text, and the domain."""
    labels = match.captures("label")
    spans = match.spans("label")
    separators = [" ".join(sep.split()).lower() for sep in match.captures("sep")]
    if match.group("scheme") is not None or _WWW.fullmatch(labels[0]):
        if match.group("scheme") is None and len(labels) < 3:
            return
        domain = _url_host(labels)
        if domain is not None:
            yield match.start(), _end_of_url(normal, spans[-1][1]), domain
        return
    if match.group("local") is not None:
        found = _bare_domain(labels, separators, normal, spans, prose_checks=False)
        if found is not None:
            domain, end = found
            yield match.start(), spans[end - 1][1], domain
        return
    address = _bare_ip(labels, separators, normal, spans[-1][1])
    if address is not None:
        yield match.start(), _end_of_url(normal, spans[-1][1]), address
        return
    for first, last in _segments(labels, separators):
        found = _bare_domain(
            labels[first:last],
            separators[first : last - 1],
            normal,
            spans[first:last],
            prose_checks=True,
        )
        if found is not None:
            domain, end = found
            yield spans[first][0], _end_of_url(normal, spans[first + end - 1][1]), domain


def _segments(labels: Sequence[str], separators: Sequence[str]) -> Iterator[tuple[int, int]]:
    """The run cut where a spelt-out dot is prose: after a function word (`the dot com`) or
    next to a non-ASCII label (`좋은 점 com`: `점` is also the Korean word for "point")."""
    first = 0
    for index, separator in enumerate(separators):
        if separator.startswith((".", *_BRACKETS)):
            continue
        left, right = labels[index], labels[index + 1]
        if not (left.isascii() and right.isascii()) or left.lower() in _FUNCTION_WORDS:
            yield first, index + 1
            first = index + 1
    yield first, len(labels)


def _bare_domain(
    labels: Sequence[str],
    separators: Sequence[str],
    normal: str,
    spans: Sequence[tuple[int, int]],
    *,
    prose_checks: bool,
) -> tuple[str, int] | None:
    """The domain in a run without scheme, and how many labels it takes.

    The last known top-level domain that reads as a domain ends it, and plain-dotted ASCII
    labels after that still belong to the host (`bbc.co.uk.evil.zz` is not `bbc.co.uk`).
    """
    for index in range(len(labels) - 1, 0, -1):
        if labels[index].lower() not in _KNOWN_TLDS:
            continue
        end = index + 1
        while end < len(labels) and separators[end - 1] == "." and labels[end].isascii():
            end += 1
        while end > index + 1 and not labels[end - 1].isalpha():
            end -= 1
        following = normal[spans[index][1] : spans[index][1] + 1]
        if (
            prose_checks
            and end == index + 1
            and _reads_as_prose(labels, separators, index, following)
        ):
            continue
        domain = _ascii_domain(labels[:end])
        if domain is not None:
            return domain, end
    return None


def _reads_as_prose(
    labels: Sequence[str], separators: Sequence[str], index: int, following: str
) -> bool:
    """Whether `label.tld` ending at `index` is more likely words of a sentence than a domain.

    `following` is the character after the top-level domain: `end.it's` is prose.
    """
    tld, before, separator = labels[index], labels[index - 1], separators[index - 1]
    if not tld.isascii():
        return separator == "." and before[-1] in _SENTENCE_ENDINGS
    capitalised = separator == "." and tld[0].isupper() and tld[1:].islower()
    if len(before) == 1 and capitalised:
        return True  # initials: B.Sc, M.Sc
    if tld.lower() not in _PROSE_TLDS or f"{before}.{tld}".lower() in _SHORT_LINK_HOSTS:
        return False
    return (
        len(before) < 2
        or not any(char.isalpha() for char in before)
        or before.lower() in _FUNCTION_WORDS
        or following in _APOSTROPHES
        or (separator != "." and not separator.startswith(_BRACKETS))
        or capitalised
    )


def _url_host(labels: Sequence[str]) -> str | None:
    """The host of a URL (after a scheme or `www.`): taken whole, an IPv4 address or a name."""
    if len(labels) == 4 and all(label.isascii() and label.isdigit() for label in labels):
        return _ip(".".join(labels))
    return _ascii_domain(labels)


def _bare_ip(labels: Sequence[str], separators: Sequence[str], normal: str, end: int) -> str | None:
    """An IPv4 address without a scheme, a link only when a path or port follows it."""
    if len(labels) != 4 or any(separator != "." for separator in separators):
        return None
    if not all(label.isascii() and label.isdigit() for label in labels):
        return None
    following = normal[end : end + 2]
    if not (following[:1] == "/" or (following[:1] == ":" and following[1:].isdigit())):
        return None
    return _ip(".".join(labels))


def _end_of_url(normal: str, host_end: int) -> int:
    """Where a URL ends: after its port and path, less the punctuation of the sentence."""
    tail = _TAIL.match(normal, host_end)
    stop = tail.end() if tail is not None else host_end
    opened = normal.count("(", host_end, stop)
    closed = normal.count(")", host_end, stop)
    while stop > host_end and normal[stop - 1] in _TRAILING:
        if normal[stop - 1] == ")":
            if opened >= closed:
                break  # the path's own parenthesis: /wiki/Seoul_(city)
            closed -= 1
        stop -= 1
    return stop


def _ascii_domain(labels: Sequence[str]) -> str | None:
    """Labels as a normalised domain: lower case, punycode, no `www.`; None if not valid."""
    names = [label.lower() for label in labels]
    if len(names) > 2 and names[0] == "www":
        names = names[1:]
    if len(names) < 2:
        return None
    try:
        domain = ".".join(names).encode("idna").decode("ascii")
    except UnicodeError:
        return None
    parts = domain.split(".")
    if len(domain) > 253 or not all(_ASCII_LABEL.fullmatch(part) for part in parts):
        return None
    if not _TLD_SHAPE.fullmatch(parts[-1]):
        return None
    return domain


def _ip(text: str) -> str | None:
    """The address as written, when it is an IPv4 or IPv6 address."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _is_ip(text: str) -> bool:
    return _ip(text) is not None
