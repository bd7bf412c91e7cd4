"""The portal's settings plus what only the benchmark has: a bare page to measure against."""

from kkrmaal.settings import *
from kkrmaal.settings import BASE_DIR
from kkrmaal.settings import REST_FRAMEWORK
from kkrmaal.settings import TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]

# Every wrk connection comes from 127.0.0.1, so the API's limit per address for anonymous
# callers (API_ANON_RATE, 1000 an hour) would answer all but the first thousand requests with
# 429. The benchmark measures the API without that limit; in production it adds a cache read
# and write per anonymous request (DRF keeps the address's recent request times).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": None},
}
