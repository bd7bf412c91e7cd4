"""Reading the source papers in fixtures/sources/, so fixture tests compare with the papers
themselves rather than with a copy of the fixture."""

import re
from functools import cache

from django.conf import settings

SEEDS_DIR = settings.BASE_DIR / "fixtures" / "sources"

HOVEDSTADEN_2016 = "000_fbb1376eadf97830.txt"
HOVEDSTADEN_2017 = "001_b6c4e8802b7d46aa.txt"
MIDTJYLLAND = "002_73cf8f81b5b917b6.txt"
SYDDANMARK = "003_34f1144947dbb059.txt"
HOVEDSTADEN_2024 = "004_970053b73b56a88d.txt"


def squash(text):
    """Text without white space and hyphens: the extraction broke lines and words anywhere."""
    return re.sub(r"[\s\-‐‑–­]+", "", text)


@cache
def seed(name):
    return (SEEDS_DIR / name).read_text(encoding="utf-8")


def in_seed(text, name):
    """True when `text` stands in the paper, line breaks and hyphenation aside."""
    return squash(text) in squash(seed(name))


SOURCES = [HOVEDSTADEN_2016, HOVEDSTADEN_2017, MIDTJYLLAND, SYDDANMARK, HOVEDSTADEN_2024]

# Extraction debris that is no text of the paper: a page rule and a stray word of a logo.
NOT_TEXT = {"---", "OKRAST"}


def normalized(text):
    """Text as words only: no markup (markdown emphasis and links, <sup>, "#", "- "), bullet
    glyphs, footnote superscripts, white space, hyphens or letter case. The extraction broke
    lines and words anywhere and marked some words up; the stored text does neither."""
    text = re.sub(r"<sup>(.*?)</sup>", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = text.replace("¹", "1").replace("²", "2")
    text = re.sub(r"[\ue000-\uf8ff•✓*#]", "", text)
    return squash(text).casefold()


def seed_paragraphs(name):
    """The paper's paragraphs as extracted: blocks apart by a blank line, split again where a
    line starts with a space (the extraction's mark of a new text frame, e.g. a side box)."""
    parts = [
        piece for block in re.split(r"\n\s*\n", seed(name)) for piece in re.split(r"\n(?= )", block)
    ]
    return [part for part in parts if normalized(part) and part.strip() not in NOT_TEXT]


def stands_in(name):
    """A test whether a text stands in the paper `name`: line breaks, hyphenation, markdown
    emphasis, letter case and a closing full stop aside."""
    paper_text = squash(seed(name).replace("*", "")).casefold()
    return lambda text: squash(text.rstrip(".")).casefold() in paper_text
