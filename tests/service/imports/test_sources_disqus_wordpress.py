"""Disqus' XML export and WordPress' WXR, from fixtures written after each format's published
description (Disqus' export schema, the WXR 1.2 that WordPress' export.php writes), and the
HTML of their comments as the text a reader saw."""

import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.imports.sources.disqus import read_disqus
from service.imports.sources.html import plain_text
from service.imports.sources.records import MalformedSource, Skipped, SourceComment, SourceState
from service.imports.sources.wordpress import read_wordpress

FIXTURES = Path(__file__).parent / "fixtures"
BUDGET = "https://news.example.kr/articles/2024/05/01/budget"
DEFICIT = "https://blog.example.kr/2024/05/01/budget-deficit/"
EARLY_VOTING = "https://blog.example.kr/2024/05/02/%ec%82%ac%ec%a0%84%ed%88%ac%ed%91%9c/"
LONG_TEXT = (
    "I disagree with both of you. The deficit figure includes one-off pandemic support that "
    "ends this year, and the ministry's own projection shows the gap narrowing to 2.1% of GDP "
    "by 2026."
)
LONG_TEXT_END = (
    "Comparing it with a ten-year average without that context is misleading, and the headline "
    "makes it sound like a structural problem when most of it is not."
)
DISQUS_START = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
)
STREAMED = 20_000
PEAK_BYTES = 5 * 1024 * 1024

Reader = Callable[[Path], Iterator[SourceComment | Skipped]]


def comments(entries: Iterator[SourceComment | Skipped]) -> dict[str, SourceComment]:
    return {entry.source_id: entry for entry in entries if isinstance(entry, SourceComment)}


def disqus() -> dict[str, SourceComment]:
    return comments(read_disqus(FIXTURES / "disqus.xml"))


def wordpress() -> list[SourceComment | Skipped]:
    return list(read_wordpress(FIXTURES / "wordpress.xml"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# plain_text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<p>One</p>\n\n  <p>Two</p>", "One\n\nTwo"),
        ("first<br>second<br/>third<br />fourth", "first\nsecond\nthird\nfourth"),
        ("a<br><br>b", "a\n\nb"),
        ("end of line <br> next", "end of line\nnext"),
        ("<p>spread \n  over\tlines</p>", "spread over lines"),
        ("<ul><li>one</li><li>two</li></ul><p>after</p>", "one\ntwo\n\nafter"),
        ("<ol>\n<li>first</li>\n<li>second</li>\n</ol>", "first\nsecond"),
        ('see <a href="https://example.org/x">the report</a>.', "see the report."),
        ("<b>bold</b> and <i>italic</i>", "bold and italic"),
        (
            "<p>Tom &amp; Jerry &#39;said&#39; &lt;hi&gt; &quot;x&quot;</p>",
            "Tom & Jerry 'said' <hi> \"x\"",
        ),
        ("<p>7&nbsp;am</p><p>&nbsp;</p><p>8&#160;pm</p>", "7 am\n\n8 pm"),
        ("<script>alert('x')</script><style>p { color: red }</style>visible", "visible"),
        ("<p>안녕하세요 <strong>여러분</strong></p>", "안녕하세요 여러분"),
        ("<!-- note -->text", "text"),
        ("<pre>keep\n  this</pre>", "keep\n  this"),
        ("<p>x</p>\r\n<p>y</p>", "x\n\ny"),
    ],
)
def test_html_becomes_the_text_a_reader_saw(markup: str, text: str) -> None:
    assert plain_text(markup) == text


@pytest.mark.parametrize(
    ("plain", "text"),
    [
        ("line one\nline two\n\nparagraph", "line one\nline two\n\nparagraph"),
        ("  windows\r\nline\r\n", "windows\nline"),
        ("two  spaces kept", "two  spaces kept"),
        ("x < y and y > z", "x < y and y > z"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("사전투표\n했습니다", "사전투표\n했습니다"),
    ],
)
def test_text_without_tags_keeps_its_lines(plain: str, text: str) -> None:
    assert plain_text(plain) == text


def test_line_breaks_reads_newlines_as_wordpress_shows_them() -> None:
    markup = "Great &amp; clear.\r\n\r\nSee <a href='/x'>this</a>\nand that.<br />\nEnd"
    assert plain_text(markup) == "Great & clear. See this and that.\nEnd"
    assert plain_text(markup, line_breaks=True) == "Great & clear.\n\nSee this\nand that.\nEnd"


# Disqus


def test_disqus_reads_every_field_of_a_comment() -> None:
    assert disqus()["90001"] == SourceComment(
        source_id="90001",
        thread_key="7001",
        thread_url=BUDGET,
        parent_source_id=None,
        author_name="Kim Min-jun",
        author_key="user:minjun_kim",
        author_email="MinJun.Kim@Example.kr",
        created_at=datetime(2024, 5, 1, 9, 15, 2, tzinfo=UTC),
        text="Great analysis & clear charts.\n\nDidn't expect the deficit to be that large.\n"
        "Source: the statistics office",
        state=SourceState.PUBLISHED,
    )


def test_disqus_reads_a_guest_reply_in_korean() -> None:
    assert disqus()["90002"] == SourceComment(
        source_id="90002",
        thread_key="7001",
        thread_url=BUDGET,
        parent_source_id="90001",
        author_name="이서연",
        author_key="email:seoyeon@example.kr",
        author_email="seoyeon@example.kr",
        created_at=datetime(2024, 5, 1, 10, 2, 45, tzinfo=UTC),
        text="좋은 기사 감사합니다. 예산 규모가 <예상>보다 크네요.",
        state=SourceState.PUBLISHED,
    )


def test_disqus_posts_come_in_file_order_with_their_threads() -> None:
    read = disqus()
    assert list(read) == ["90001", "90002", "90003", "90004", "90005", "90006", "90007"]
    assert {entry.source_id: entry.thread_key for entry in read.values()} == {
        "90001": "7001",
        "90002": "7001",
        "90003": "7001",
        "90004": "7001",
        "90005": "7002",
        "90006": "7002",
        "90007": "7002",
    }
    assert read["90007"].thread_url == "https://news.example.kr/articles/2024/05/02/election"


def test_disqus_states() -> None:
    assert {entry.source_id: entry.state for entry in disqus().values()} == {
        "90001": SourceState.PUBLISHED,
        "90002": SourceState.PUBLISHED,
        "90003": SourceState.PUBLISHED,
        "90004": SourceState.SPAM,
        "90005": SourceState.DELETED,
        "90006": SourceState.PENDING,
        "90007": SourceState.PUBLISHED,
    }


def test_disqus_replies_and_replies_to_replies() -> None:
    parents = {entry.source_id: entry.parent_source_id for entry in disqus().values()}
    assert parents["90002"] == "90001"
    assert parents["90003"] == "90002"
    assert [post for post, parent in parents.items() if parent is None] == [
        "90001",
        "90004",
        "90005",
        "90006",
        "90007",
    ]


def test_disqus_author_key_is_the_user_name_else_the_email_else_the_name() -> None:
    read = disqus()
    assert read["90007"].author_key == read["90001"].author_key == "user:minjun_kim"
    assert read["90004"].author_key == "email:deals@spam.example.com"
    assert (read["90006"].author_key, read["90006"].author_email) == ("name:Jung Ha-eun", None)


def test_disqus_keeps_a_long_comment_whole() -> None:
    text = disqus()["90003"].text
    assert len(text) > 250
    assert text == f"{LONG_TEXT} {LONG_TEXT_END}"
    assert (
        disqus()["90006"].text == "Turnout was high in my district too.\n\nLines at 7 am already."
    )


def disqus_file(tmp_path: Path, posts: str, threads: str | None = None) -> Path:
    if threads is None:
        threads = '<thread dsq:id="1"><link>https://news.example.kr/a</link></thread>'
    return write(tmp_path, "disqus.xml", f"{DISQUS_START}{threads}\n{posts}\n</disqus>\n")


def disqus_post(post_id: int, *, thread: str = "1", created: str = "2024-05-01T09:00:00Z") -> str:
    created_at = f"<createdAt>{created}</createdAt>" if created else ""
    return (
        f'<post dsq:id="{post_id}"><message><![CDATA[<p>Comment {post_id}</p>]]></message>'
        f"{created_at}<isDeleted>false</isDeleted><isSpam>false</isSpam>"
        f"<author><name>Reader {post_id}</name><isAnonymous>true</isAnonymous></author>"
        f'<thread dsq:id="{thread}" /></post>\n'
    )


def test_disqus_truncated_file_names_the_line(tmp_path: Path) -> None:
    whole = (FIXTURES / "disqus.xml").read_text(encoding="utf-8")
    path = write(tmp_path, "disqus.xml", whole[: whole.index('<post dsq:id="90003">') + 60])
    with pytest.raises(MalformedSource, match=r"^line \d+") as raised:
        list(read_disqus(path))
    assert raised.value.where.startswith("line ")


def test_disqus_yields_posts_before_the_file_ends(tmp_path: Path) -> None:
    """A reader that read the whole file first would fail before giving the first post."""
    path = disqus_file(tmp_path, disqus_post(1) + "<post dsq:id='2'><message>")
    entries = read_disqus(path)
    first = next(entries)
    assert isinstance(first, SourceComment)
    assert first.text == "Comment 1"
    with pytest.raises(MalformedSource, match="line"):
        next(entries)


def test_disqus_post_of_an_unknown_thread_is_malformed(tmp_path: Path) -> None:
    path = disqus_file(tmp_path, disqus_post(1) + disqus_post(2, thread="999"))
    with pytest.raises(MalformedSource, match="thread 999") as raised:
        list(read_disqus(path))
    assert raised.value.where == "post 2"


def test_disqus_post_before_its_thread_is_malformed(tmp_path: Path) -> None:
    thread = '<thread dsq:id="1"><link>https://news.example.kr/a</link></thread>'
    path = disqus_file(tmp_path, disqus_post(1) + thread, threads="")
    with pytest.raises(MalformedSource) as raised:
        list(read_disqus(path))
    assert raised.value.where == "post 1"


def test_disqus_post_without_created_at_is_malformed(tmp_path: Path) -> None:
    path = disqus_file(tmp_path, disqus_post(12345, created=""))
    with pytest.raises(MalformedSource, match="createdAt") as raised:
        list(read_disqus(path))
    assert raised.value.where == "post 12345"


def test_disqus_post_with_a_bad_time_is_malformed(tmp_path: Path) -> None:
    path = disqus_file(tmp_path, disqus_post(7, created="yesterday"))
    with pytest.raises(MalformedSource, match="yesterday") as raised:
        list(read_disqus(path))
    assert raised.value.where == "post 7"


def test_disqus_post_without_message_is_malformed(tmp_path: Path) -> None:
    post = disqus_post(8).replace("<message><![CDATA[<p>Comment 8</p>]]></message>", "")
    with pytest.raises(MalformedSource, match="message") as raised:
        list(read_disqus(disqus_file(tmp_path, post)))
    assert raised.value.where == "post 8"


def test_another_xml_file_is_not_a_disqus_export() -> None:
    with pytest.raises(MalformedSource, match="not a Disqus export"):
        list(read_disqus(FIXTURES / "wordpress.xml"))


# WordPress


def test_wordpress_reads_every_field_of_a_comment() -> None:
    assert comments(iter(wordpress()))["11"] == SourceComment(
        source_id="11",
        thread_key="101",
        thread_url=DEFICIT,
        parent_source_id=None,
        author_name="Kim Min-jun",
        author_key="email:minjun.kim@example.kr",
        author_email="MinJun.Kim@Example.kr",
        created_at=datetime(2024, 5, 1, 9, 15, 2, tzinfo=UTC),
        text="Great analysis & clear charts.\n\nDidn't expect the deficit to be that large.\n"
        "Source: the statistics office",
        state=SourceState.PUBLISHED,
    )


def test_wordpress_without_gmt_date_or_email_falls_back_to_local_date_and_name() -> None:
    assert comments(iter(wordpress()))["24"] == SourceComment(
        source_id="24",
        thread_key="205",
        thread_url=EARLY_VOTING,
        parent_source_id=None,
        author_name="박 지훈",
        author_key="name:박 지훈",
        author_email=None,
        created_at=datetime(2024, 5, 2, 19, 10, 30, tzinfo=UTC),
        text="사전투표 했습니다!",
        state=SourceState.PUBLISHED,
    )


def test_wordpress_skips_pingbacks_and_trackbacks_in_file_order() -> None:
    assert [
        (entry.source_id, entry.reason if isinstance(entry, Skipped) else None)
        for entry in wordpress()
    ] == [
        ("11", None),
        ("12", None),
        ("13", None),
        ("14", None),
        ("15", "pingback"),
        ("21", None),
        ("22", None),
        ("23", "trackback"),
        ("24", None),
    ]


def test_wordpress_states() -> None:
    assert {entry.source_id: entry.state for entry in comments(iter(wordpress())).values()} == {
        "11": SourceState.PUBLISHED,
        "12": SourceState.PUBLISHED,
        "13": SourceState.PUBLISHED,
        "14": SourceState.SPAM,
        "21": SourceState.DELETED,
        "22": SourceState.PENDING,
        "24": SourceState.PUBLISHED,
    }


def test_wordpress_replies_and_replies_to_replies() -> None:
    read = comments(iter(wordpress()))
    assert read["12"].parent_source_id == "11"
    assert read["13"].parent_source_id == "12"
    assert {read[key].thread_key for key in ("11", "12", "13", "14")} == {"101"}
    assert {read[key].thread_key for key in ("21", "22", "24")} == {"205"}


def test_wordpress_text_keeps_lines_paragraphs_and_long_comments() -> None:
    read = comments(iter(wordpress()))
    assert read["12"].text == "좋은 기사 감사합니다.\n예산 규모가 <예상>보다 크네요."
    assert read["13"].text == f"{LONG_TEXT}\n\n{LONG_TEXT_END}"
    assert len(read["13"].text) > 250
    assert read["22"].text == "Turnout was high in my district too.\nLines at 7 am already."


def wxr_file(tmp_path: Path, items: str, version: str = "1.2") -> Path:
    return write(
        tmp_path,
        "wordpress.xml",
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        f'<rss version="2.0" xmlns:wp="http://wordpress.org/export/{version}/">\n'
        f"<channel><title>Site</title><wp:wxr_version>{version}</wp:wxr_version>\n"
        f"{items}\n</channel></rss>\n",
    )


def wxr_comment(comment_id: int, *, date: str = "2024-05-01 09:00:00", kind: str = "") -> str:
    return (
        f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
        f"<wp:comment_author><![CDATA[Reader {comment_id}]]></wp:comment_author>"
        f"<wp:comment_author_email><![CDATA[]]></wp:comment_author_email>"
        f"<wp:comment_date><![CDATA[{date}]]></wp:comment_date>"
        f"<wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[Comment {comment_id}]]></wp:comment_content>"
        f"<wp:comment_approved><![CDATA[1]]></wp:comment_approved>"
        f"<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>"
        f"<wp:comment_parent>0</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id>"
        "</wp:comment>\n"
    )


def wxr_item(post_id: str, comments: str, *, post_type: str = "post") -> str:
    return (
        f"<item><title>Post {post_id}</title><link>https://blog.example.kr/?p={post_id}</link>"
        f"<wp:post_id>{post_id}</wp:post_id><wp:post_type><![CDATA[{post_type}]]></wp:post_type>"
        f"{comments}</item>\n"
    )


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_wordpress_reads_every_wxr_version(tmp_path: Path, version: str) -> None:
    path = wxr_file(tmp_path, wxr_item("7", wxr_comment(1)), version)
    [entry] = read_wordpress(path)
    assert isinstance(entry, SourceComment)
    assert (entry.source_id, entry.thread_key, entry.text) == ("1", "7", "Comment 1")
    assert entry.thread_url == "https://blog.example.kr/?p=7"


def test_wordpress_item_listing_its_link_after_its_comments(tmp_path: Path) -> None:
    item = (
        f"<item>{wxr_comment(1)}{wxr_comment(2)}<wp:post_id>7</wp:post_id>"
        "<link>https://blog.example.kr/late</link></item>"
    )
    read = list(read_wordpress(wxr_file(tmp_path, item)))
    assert [(entry.source_id, entry.thread_url) for entry in comments(iter(read)).values()] == [
        ("1", "https://blog.example.kr/late"),
        ("2", "https://blog.example.kr/late"),
    ]


def test_wordpress_skips_comments_on_attachments_and_other_comment_types(
    tmp_path: Path,
) -> None:
    items = wxr_item("7", wxr_comment(1), post_type="attachment") + wxr_item(
        "8", wxr_comment(2, kind="order_note") + wxr_comment(3, kind="comment")
    )
    read = list(read_wordpress(wxr_file(tmp_path, items)))
    assert read[:2] == [
        Skipped(source_id="1", reason="on a post of type attachment"),
        Skipped(source_id="2", reason="order_note"),
    ]
    assert isinstance(read[2], SourceComment)


def test_wordpress_truncated_file_names_the_line(tmp_path: Path) -> None:
    whole = (FIXTURES / "wordpress.xml").read_text(encoding="utf-8")
    path = write(tmp_path, "wordpress.xml", whole[: whole.index("<wp:comment_id>13")])
    entries = read_wordpress(path)
    assert [next(entries).source_id, next(entries).source_id] == ["11", "12"]
    with pytest.raises(MalformedSource, match=r"^line \d+"):
        next(entries)


def test_wordpress_comments_of_an_item_without_id_are_malformed(tmp_path: Path) -> None:
    item = "<item><link>https://blog.example.kr/x</link>" + wxr_comment(1) + "</item>"
    with pytest.raises(MalformedSource, match="post_id") as raised:
        list(read_wordpress(wxr_file(tmp_path, item)))
    assert raised.value.where == "item number 1"


def test_wordpress_comment_without_any_date_is_malformed(tmp_path: Path) -> None:
    item = wxr_item("7", wxr_comment(5, date="0000-00-00 00:00:00"))
    with pytest.raises(MalformedSource, match="comment_date") as raised:
        list(read_wordpress(wxr_file(tmp_path, item)))
    assert raised.value.where == "comment 5"


def test_wordpress_unknown_approval_is_malformed(tmp_path: Path) -> None:
    item = wxr_item("7", wxr_comment(6).replace("[CDATA[1]]", "[CDATA[maybe]]"))
    with pytest.raises(MalformedSource, match="maybe") as raised:
        list(read_wordpress(wxr_file(tmp_path, item)))
    assert raised.value.where == "comment 6"


# Streaming


def streamed_disqus(tmp_path: Path) -> Path:
    path = tmp_path / "large-disqus.xml"
    with path.open("w", encoding="utf-8") as file:
        file.write(DISQUS_START)
        for thread in range(100):
            file.write(
                f'<thread dsq:id="{thread}"><link>https://n.example/{thread}</link></thread>\n'
            )
        for post in range(STREAMED):
            file.write(disqus_post(post, thread=str(post % 100)))
        file.write("</disqus>\n")
    return path


def streamed_wordpress(tmp_path: Path) -> Path:
    per_item = 1_000
    items = (
        wxr_item(str(item), "".join(wxr_comment(item * per_item + n) for n in range(per_item)))
        for item in range(STREAMED // per_item)
    )
    return wxr_file(tmp_path, "".join(items))


@pytest.mark.parametrize(
    ("reader", "make"), [(read_disqus, streamed_disqus), (read_wordpress, streamed_wordpress)]
)
def test_a_large_export_is_read_in_bounded_memory(
    tmp_path: Path, reader: Reader, make: Callable[[Path], Path]
) -> None:
    """Either file as a tree takes over 25 MB, and its comments kept in a list 8 MB; streaming
    them takes well under 1 MB."""
    path = make(tmp_path)
    tracemalloc.start()
    try:
        count = sum(1 for _ in reader(path))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == STREAMED
    assert peak < PEAK_BYTES
