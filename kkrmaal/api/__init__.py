"""The REST API under /api/v1/, the project package's top layer: it reads and writes through
the apps below it (`municipalities`, `goals`, `reports`) and none of them imports it.

- `common.py`: what every endpoint shares (authentication, language, pagination, ordering,
  strict filters, throttling, the HTTP errors DRF has no class for, conditional and cached
  answers, the documented error bodies). The settings name its classes, so it imports no DRF
  view: DRF's views read those settings when they are imported.
- `viewsets.py`: the read-only base viewset of the public lists.
- `places.py`, `goals.py`, `rounds.py`: the serializers and viewsets of regions and
  municipalities, of papers, goals and the municipalities' reports, and of published rounds.
- `schema.py`: the OpenAPI schema class; `urls.py`: the router.
"""
