"""The portal's settings plus what only the benchmark has: a bare page to measure against."""

from kkrmaal.settings import *
from kkrmaal.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
