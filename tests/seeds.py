"""Reading the source papers in ../shared/seeds/, so fixture tests compare with the papers
themselves rather than with a copy of the fixture."""

import re
from functools import cache

from django.conf import settings

SEEDS_DIR = settings.BASE_DIR.parent / "shared" / "seeds"

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
