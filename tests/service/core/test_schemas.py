"""The field types every request shares, as the service checks them and the document states
them: the two must agree on every value, or Schemathesis (tests/service/test_fuzz.py) finds where
they part."""

import json
import re

import jsonschema_rs

from moderation.text import has_visible_character
from service.app import create_app
from service.core.db import MAX_ID
from service.core.schemas import LINE, PARAGRAPHS, shown_text_schemas, visible_class
from service.core.settings import Settings

DOCUMENT = create_app(Settings(database_url="sqlite://", scorer="embedded")).openapi()


def test_the_visible_class_is_the_rule_at_every_code_point() -> None:
    """Read as Python reads it (the generators) and as the Rust validator Schemathesis checks
    answers with reads it."""
    python = re.compile(visible_class())
    rust = jsonschema_rs.validator_for({"type": "string", "pattern": visible_class()})

    disagree = [
        code
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF
        and not (
            bool(python.search(chr(code)))
            == rust.is_valid(chr(code))
            == has_visible_character(chr(code))
        )
    ]

    assert disagree == []


def test_a_required_text_is_the_plain_text_rule_and_something_seen() -> None:
    schemas = shown_text_schemas()
    cases = {
        "a word": True,
        "  padded  ": True,
        "": False,
        " \u3000 ": False,  # spaces
        "\u3164\u2800": False,  # a Hangul filler and a braille blank
        "\U000e0100": False,  # a variation selector beyond the BMP
        "\U0002000b": True,  # a CJK ideograph beyond the BMP
        "tab\there": False,  # a control character
    }
    for name, plain in (("ShownLine", LINE), ("ShownParagraphs", PARAGRAPHS)):
        shown = jsonschema_rs.validator_for(schemas[name])
        for text, expected in cases.items():
            assert shown.is_valid(text) == expected, (name, text)
            assert not expected or re.search(plain, text), (name, text)
    assert jsonschema_rs.validator_for(schemas["ShownParagraphs"]).is_valid("two\nlines")
    assert not jsonschema_rs.validator_for(schemas["ShownLine"]).is_valid("two\nlines")


def test_the_document_says_which_texts_need_something_seen() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    word = DOCUMENT["paths"]["/v1/admin/wordlists/{list_name}/{word}"]["delete"]["parameters"][1]

    assert word["schema"]["allOf"] == [{"$ref": "#/components/schemas/ShownLine"}]
    assert {"$ref": "#/components/schemas/ShownParagraphs"} in (
        schemas["NoticeCreate"]["properties"]["explanation"]["allOf"]
    )
    assert schemas["NoticeCreate"]["properties"]["explanation"]["minLength"] == 20
    assert "x-shown-text" not in json.dumps(DOCUMENT)


def test_integer_bounds_are_exact() -> None:
    """FastAPI's model makes bounds floats, and 2^63-1 a float is 2^63."""
    parent = DOCUMENT["components"]["schemas"]["CommentCreate"]["properties"]["parent_id"]

    assert parent["anyOf"][0] == {"type": "integer", "maximum": MAX_ID, "minimum": 1}
    assert "9.223372036854776e+18" not in json.dumps(DOCUMENT)
