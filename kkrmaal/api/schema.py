"""The API's OpenAPI schema class (its own module: DRF loads `kkrmaal.api.common`'s throttle and
pagination classes while drf-spectacular's schema module is itself being imported)."""

from drf_spectacular import openapi
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme

from kkrmaal.api.common import errors


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the errors any operation can answer documented on all
    of them: 401 (a wrong or expired token), 429 (throttled), and for reads 400 (a filter's
    value) and 404 (no such object, or no such page)."""

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        codes = [401, 429] + ([400, 404] if self.method == "GET" else [])
        for code, response in errors(*codes).items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(
                    response, str(code), direction=direction
                )
        return bodies


class TokenScheme(KnoxTokenScheme):
    """The token header in the schema (and the docs' "Authorize" button), as for knox's own
    authentication class."""

    target_class = "kkrmaal.api.common.TokenAuthentication"
