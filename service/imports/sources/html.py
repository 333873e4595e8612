"""A comment's HTML as the text its readers saw, so that imported comments are screened,
shown and searched like comments typed here."""

import html
import re
from html.parser import HTMLParser

_SPACE = re.compile(r"[ \t\n\f\xa0]+")
"""What a browser collapses: HTML's ASCII white space, and &nbsp; read as a plain space (an
ideographic space, U+3000, is text in Korean and is kept)."""

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\f\xa0]*\n")
"""A blank line in a WordPress comment, which its `wpautop` shows as a new paragraph."""

_PARAGRAPHS = frozenset("p blockquote dl table h1 h2 h3 h4 h5 h6 hr figure address".split())
"""Blocks with a margin: a blank line before and after."""

_LINES = frozenset("div li dt dd tr caption figcaption section article header footer".split())
"""Blocks without a margin: a line of their own."""

_HIDDEN = frozenset("script style template".split())
"""Elements whose content a reader never sees."""

_VOID = frozenset("br hr img input wbr".split())
"""Elements without an end tag: `<br/>` is one line break, not two."""


class _Text(HTMLParser):
    """Renders as a browser lays out text: a pending break is written only before the next
    visible text, so empty paragraphs and white space between blocks leave nothing behind."""

    def __init__(self, *, line_breaks: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.line_breaks = line_breaks
        self.saw_markup = False
        self._parts: list[str] = []
        self._newlines = 0
        """How many newlines the text written so far ends with."""
        self._pending = 0
        """Newlines the next text must follow: 1 after a line, 2 after a paragraph."""
        self._space = False
        self._hidden = 0
        self._pre = 0
        self._lists = 0

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.saw_markup = True
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self._space = False
            self._write("\n")
        elif tag in ("ul", "ol"):
            self._lists += 1
            self._block(1 if self._lists > 1 else 2)
        elif tag == "pre":
            self._pre += 1
            self._block(2)
        elif tag in _PARAGRAPHS:
            self._block(2)
        elif tag in _LINES:
            self._block(1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self.saw_markup = True
        if tag in _HIDDEN:
            self._hidden = max(self._hidden - 1, 0)
        elif tag in ("ul", "ol"):
            self._block(1 if self._lists > 1 else 2)
            self._lists = max(self._lists - 1, 0)
        elif tag == "pre":
            self._pre = max(self._pre - 1, 0)
            self._block(2)
        elif tag in _PARAGRAPHS:
            self._block(2)
        elif tag in _LINES:
            self._block(1)

    def handle_comment(self, data: str) -> None:
        self.saw_markup = True

    def handle_decl(self, decl: str) -> None:
        self.saw_markup = True

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._pre:
            self._write(data)
            return
        if self.line_breaks:
            paragraphs = _PARAGRAPH_BREAK.split(data)
            for index, paragraph in enumerate(paragraphs):
                if index:
                    self._block(2)
                for number, line in enumerate(paragraph.split("\n")):
                    if number:
                        self._block(1)
                    self._words(line)
        else:
            self._words(data)

    def _words(self, data: str) -> None:
        """Collapses white space, keeping one space between words across tags."""
        if not data:
            return
        words = _SPACE.sub(" ", data)
        if words.startswith(" "):
            self._space = True
        words = words.strip(" ")
        if words:
            self._write(words)
            self._space = data[-1] in " \t\n\f\xa0"

    def _block(self, newlines: int) -> None:
        self._pending = max(self._pending, newlines)

    def _write(self, text: str) -> None:
        if self._parts:
            if self._pending > self._newlines:
                self._parts.append("\n" * (self._pending - self._newlines))
                self._newlines = self._pending
            elif self._space and not self._newlines:
                self._parts.append(" ")
        self._pending = 0
        self._space = False
        self._parts.append(text)
        kept = text.rstrip("\n")
        self._newlines = len(text) - len(kept) + (0 if kept else self._newlines)


def plain_text(markup: str, *, line_breaks: bool = False) -> str:
    """The text a reader saw of `markup`; text with no tags keeps its own line breaks.

    `line_breaks`: a newline in the markup is a line break and a blank line a paragraph, as
    WordPress shows comments (its `wpautop`); elsewhere a newline in HTML is a space.
    """
    markup = markup.replace("\r\n", "\n").replace("\r", "\n")
    parser = _Text(line_breaks=line_breaks)
    parser.feed(markup)
    parser.close()
    if not parser.saw_markup:
        return html.unescape(markup).strip()
    return parser.text.strip()
