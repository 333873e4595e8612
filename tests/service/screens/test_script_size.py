"""The comment box's script stays small: every reader of every article downloads it."""

import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parents[3] / "service" / "screens" / "static"
BUDGET = 20_000
"""Bytes, gzipped (`gzip -9`): embed.js and the module it imports, together."""


def test_the_box_script_and_its_module_fit_the_budget_gzipped() -> None:
    files = [STATIC / "embed.js", STATIC / "screens" / "dom.js"]
    sizes = {path.name: len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files}

    print(f"gzipped: {sizes}, {sum(sizes.values())} bytes in all")
    assert sum(sizes.values()) < BUDGET, sizes
