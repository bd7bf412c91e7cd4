"""The API's one parser: JSON, nested at most `MAX_DEPTH` levels deep.

A report's body is two levels deep (`{"lines": [{…}]}`); nothing the API reads goes deeper
than three. Python's JSON decoder recurses once a level and gives up with a RecursionError
somewhere near a thousand, which DRF passes on as a server error; a body nested deeper than
`MAX_DEPTH` is the client's mistake and is answered 400 `too_deep` instead.
"""

from rest_framework.parsers import JSONParser

from kkrmaal.api.errors import TooDeep

MAX_DEPTH = 20


def depth(data):
    """How many arrays and objects deep `data` is (0 for a plain value), counted without
    recursing."""
    deepest = 0
    pending = [(data, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        pending.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise TooDeep from None
        if depth(data) > MAX_DEPTH:
            raise TooDeep
        return data
