"""The base of every response schema, and the field types every request shares: ids and plain
texts, bounded and typed at the edge so nothing the databases cannot hold gets past it."""

import re
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ClassVar

from annotated_types import Ge, Le
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from moderation.text import IGNORABLE, clean_plain_text, has_visible_character, plain_text_pattern
from service.core.db import MAX_ID
from service.core.errors import Unprocessable


class Schema(BaseModel):
    """Reads attributes, so a table row can be validated into its public shape directly."""

    model_config = ConfigDict(from_attributes=True)


def _offer_no_null(schema: dict[str, Any], model: type[BaseModel]) -> None:
    nullable: frozenset[str] = getattr(model, "nullable", frozenset())
    for name, field in schema.get("properties", {}).items():
        if name in nullable or "anyOf" not in field:
            continue
        options = [option for option in field.pop("anyOf") if option != {"type": "null"}]
        field.update(options[0] if len(options) == 1 else {"anyOf": options})
        field.pop("default", None)


class Patch(BaseModel):
    """A partial update: a field left out keeps its value. `null` is refused, and the document
    does not offer it, except in the fields named in `nullable`, where it means something."""

    model_config = ConfigDict(json_schema_extra=_offer_no_null)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("null is not a value here; leave the field out to keep its value")
        return value


_DIGITS = re.compile(r"0|[1-9][0-9]{0,18}")


def plain_digits(value: object) -> object:
    """`+1`, `1_000`, ` 1` and `01` are numbers to Python, not ids or counts a client wrote: a
    number is written in canonical decimal digits, as this API writes it (no sign, no leading
    zero), so each id has one spelling in a URL (a cache key, a log line, a link)."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("is written in plain decimal digits, without leading zeros")
    return value


Id = Annotated[int, Ge(1), Le(MAX_ID), BeforeValidator(plain_digits)]
"""An id in a path or a query string: canonical decimal digits (no sign, no leading zero), 1 to
2^63-1."""

FLOAT_EXACT = 2**53
"""Up to here a float spells every integer exactly."""


def whole_number(value: object) -> object:
    """A JSON number with no fraction (`2.0`) is the integer it spells, as JSON Schema's
    `integer` reads it (Python's `json` writes a float that way), up to 2^53: past it a float
    no longer spells every integer, so the one a client meant may be lost. Strings, booleans
    and fractions stay refused (strict)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= FLOAT_EXACT:
        return int(value)
    return value


JsonId = Annotated[int, Strict(), Ge(1), Le(MAX_ID), BeforeValidator(whole_number)]
"""An id in a JSON body: a number from 1 to 2^63-1 without a fraction (`whole_number`), never a
string or a boolean."""

LINE = plain_text_pattern(newlines=False)
PARAGRAPHS = plain_text_pattern(newlines=True)


class PlainText:
    """The after-validator of a stored text field: `moderation.text.clean_plain_text` (NFC,
    trimmed, no control or format characters), then the length again, since normalising can
    lengthen a text (one character can become three). A required text needs a character a
    reader sees: Hangul fillers or braille blanks alone are no name and no reason."""

    def __init__(self, max_length: int, *, newlines: bool = False, required: bool = False):
        self.max_length = max_length
        self.newlines = newlines
        self.required = required

    def __call__(self, text: str) -> str:
        cleaned = clean_plain_text(text, newlines=self.newlines)
        if self.required and not has_visible_character(cleaned):
            raise ValueError("needs some text")
        if len(cleaned) > self.max_length:
            raise ValueError(f"at most {self.max_length} characters, once normalised")
        return cleaned


SHOWN_TEXT = "x-shown-text"
"""Marks, in a field's JSON Schema, a text that needs a character a reader sees, with the name of
its schema (`SHOWN_TEXTS`): the document (service/openapi.py) refers the field to it, since the
class of what a reader sees is too long to repeat."""


@cache
def visible_class() -> str:
    """`moderation.text.has_visible_character` as a class of a regular expression: the characters
    a reader sees, weighed one code point at a time. Those beyond the Basic Multilingual Plane are
    written as themselves, since a JSON Schema pattern has Unicode semantics (ECMA-262's `u`
    flag). What is seen, not the negation of what is not: generators draw from a long negated
    class with characters beyond the BMP about ten times slower. Built once, when a document
    is (about a second)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF or not has_visible_character(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))

    def spelled(code: int) -> str:
        return f"\\u{code:04x}" if code < 0x10000 else chr(code)

    members = "".join(
        spelled(low) if low == high else f"{spelled(low)}-{spelled(high)}" for low, high in ranges
    )
    return f"[{members}]"


SHOWN_TEXTS = {"ShownLine": LINE, "ShownParagraphs": PARAGRAPHS}
"""The schemas of a required text, by the plain-text pattern they narrow."""


def shown_text_schemas() -> dict[str, dict[str, Any]]:
    """`LINE` and `PARAGRAPHS` narrowed to a text with a character a reader sees: any of their
    characters, one of them seen (every seen character is one of theirs)."""
    schemas = {}
    for name, pattern in SHOWN_TEXTS.items():
        allowed = pattern.removeprefix("^").removesuffix("*$")
        schemas[name] = {
            "type": "string",
            "pattern": f"^{allowed}*{visible_class()}{allowed}*$",
            "description": "Plain text with a character a reader sees (a letter, mark, number, "
            "punctuation or symbol that draws something), not only spaces, joiners, fillers "
            "or blanks.",
        }
    return schemas


@dataclass(frozen=True)
class Shown:
    """What a required text's rule asks beyond its `pattern`, told to the document: a character a
    reader sees and, with `at_least`, that many characters once trimmed (`PlainText` and its
    fellow validators enforce it, and word their refusals)."""

    at_least: int = 1

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        # The field keeps its own pattern, the plain-text rule, which its schema narrows.
        narrowed = [name for name, plain in SHOWN_TEXTS.items() if plain == schema.get("pattern")]
        if not narrowed:
            raise ValueError("`Shown` narrows a text with the pattern LINE or PARAGRAPHS")
        schema[SHOWN_TEXT] = narrowed[0]
        if self.at_least > 1:
            # From the first character that is not white space to the last one.
            trimmed = {"pattern": f"\\S[\\s\\S]{{{self.at_least - 2},}}\\S"}
            schema["minLength"] = max(schema.get("minLength", 0), self.at_least)
            schema["allOf"] = [*schema.get("allOf", []), trimmed]
        return schema


Note = Annotated[
    str,
    StringConstraints(max_length=1000, pattern=PARAGRAPHS),
    AfterValidator(PlainText(1000, newlines=True)),
]
"""A moderator's free note: lines of text, no control characters."""

Explanation = Annotated[
    str,
    StringConstraints(min_length=1, max_length=5000, pattern=PARAGRAPHS),
    AfterValidator(PlainText(5000, newlines=True, required=True)),
    Shown(),
]
"""A person's reasons in their own words, required: a notice's, an objection's, an appeal's and
the decisions on them."""

ReportNote = Annotated[
    str,
    StringConstraints(max_length=500, pattern=PARAGRAPHS),
    AfterValidator(PlainText(500, newlines=True)),
]

Reason = Annotated[
    str, StringConstraints(max_length=200, pattern=LINE), AfterValidator(PlainText(200))
]
"""A short reason on one line (a sanction's), no control characters."""

RequiredReason = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=LINE),
    AfterValidator(PlainText(200, required=True)),
    Shown(),
]

Word = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=LINE),
    AfterValidator(PlainText(64, required=True)),
    Shown(),
]
"""A word-list entry as typed: one line, no control characters."""


class InvalidEmail(Unprocessable):
    """An e-mail address that `email-validator` does not read as one people can write to
    (beyond what `format: email` states: special-use domains such as `.test`, address literals,
    a character that draws nothing)."""

    code = "invalid_email"


def email_address(text: str, *, field: str) -> str:
    """An address as `email-validator` reads it (RFC 5321/5322 syntax, internationalised
    addresses, IDNA domains, no unsafe characters), without asking DNS whether it receives mail
    (no network at the edge), normalised as the library returns it (the domain lower-cased and
    in Unicode); `InvalidEmail`, naming `field`, otherwise. An address with a character that
    draws nothing (a Hangul filler, which the library lets through) is refused: nobody could
    read it back."""
    try:
        address = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidEmail(f"{field}: is not an e-mail address: {error}") from None
    if not IGNORABLE.isdisjoint(address):
        raise InvalidEmail(
            f"{field}: is not an e-mail address: it contains a character that draws nothing"
        )
    return address


EmailAddress = Annotated[
    str,
    StringConstraints(min_length=1, max_length=320, pattern=LINE),
    AfterValidator(PlainText(320, required=True)),
    Field(json_schema_extra={"format": "email"}),
]
"""An e-mail address a person gives (a notifier's): the plain-text rule on one line; the route
then reads it with `email_address`, whose refusal has its own code (`invalid_email`)."""
