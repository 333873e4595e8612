"""The base of every response schema, and the field types every request shares: ids and plain
texts, bounded and typed at the edge so nothing the databases cannot hold gets past it."""

import re
from typing import Annotated, Any, ClassVar

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from moderation.text import clean_plain_text, plain_text_pattern
from service.core.db import MAX_ID


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


_DIGITS = re.compile(r"[0-9]{1,19}")


def plain_digits(value: object) -> object:
    """`+1`, `1_000` and ` 1` are numbers to Python, not ids or counts a client wrote."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("is written as plain decimal digits")
    return value


Id = Annotated[int, Ge(1), Le(MAX_ID), BeforeValidator(plain_digits)]
"""An id in a path or a query string: plain decimal digits, 1 to 2^63-1."""

JsonId = Annotated[int, Strict(), Ge(1), Le(MAX_ID)]
"""An id in a JSON body: a number from 1 to 2^63-1, never a string, a boolean or a float."""

LINE = plain_text_pattern(newlines=False)
PARAGRAPHS = plain_text_pattern(newlines=True)


class PlainText:
    """The after-validator of a stored text field: `moderation.text.clean_plain_text` (NFC,
    trimmed, no control or format characters), then the length again, since normalising can
    lengthen a text (one character can become three)."""

    def __init__(self, max_length: int, *, newlines: bool = False, required: bool = False):
        self.max_length = max_length
        self.newlines = newlines
        self.required = required

    def __call__(self, text: str) -> str:
        cleaned = clean_plain_text(text, newlines=self.newlines)
        if self.required and not cleaned:
            raise ValueError("needs some text")
        if len(cleaned) > self.max_length:
            raise ValueError(f"at most {self.max_length} characters, once normalised")
        return cleaned


Note = Annotated[
    str,
    StringConstraints(max_length=1000, pattern=PARAGRAPHS),
    AfterValidator(PlainText(1000, newlines=True)),
]
"""A moderator's free note: lines of text, no control characters."""

Explanation = Annotated[
    str,
    StringConstraints(max_length=5000, pattern=PARAGRAPHS),
    AfterValidator(PlainText(5000, newlines=True, required=True)),
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
]

Word = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=LINE),
    AfterValidator(PlainText(64, required=True)),
]
"""A word-list entry as typed: one line, no control characters."""
