"""Case folding for `contains`, one code point to one code point.

One code point folds to one code point: its Unicode case folding when that is a single
character, else its lowercase when that is a single character, else itself (so U+0130 and
"ß" stay as they are). Being 1:1, "fold(needle) in fold(text)" equals matching the needle
character by character against classes of equivalent characters, which is how both SQL
backends evaluate it (GLOB / regex classes) without relying on any locale.
"""

from __future__ import annotations

import functools


@functools.cache
def _fold_tables() -> tuple[dict[int, str], dict[str, str]]:
    """(str.translate table, {folded char: all chars folding to it}) over all of Unicode."""
    table: dict[int, str] = {}
    members: dict[str, list[str]] = {}
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = char.casefold()
        if len(folded) != 1:
            folded = char.lower()
            if len(folded) != 1:
                continue
        if folded != char:
            table[code] = folded
            members.setdefault(folded, []).append(char)
    classes: dict[str, str] = {}
    for folded, chars in members.items():
        group = sorted({*chars, *([folded] if table.get(ord(folded), folded) == folded else [])})
        for char in group:
            classes[char] = "".join(group)
    return table, classes


def fold_case(text: str) -> str:
    """Case-fold text one code point at a time (see above); length is preserved."""
    return text.translate(_fold_tables()[0])


def case_variants(char: str) -> str:
    """Every character that folds like `char` (including `char`), sorted; just `char` if none."""
    return _fold_tables()[1].get(char, char)
