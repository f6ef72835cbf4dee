"""The OpenAPI schema told the truth, centrally: what responses really contain
(``AutoSchema``) and the error responses of every operation (``add_error_responses``).
``tests/api/test_fuzz.py`` holds every response of the API to this schema.

Every endpoint can answer with the shape of ``ccops.api.errors``; which codes it can give
follows from what the operation is, so a postprocessing hook adds them instead of a decorator
on each view. An operation's own declaration of a code (``@extend_schema``) wins.

- 401: every operation needs a signed-in user: no credentials, or a wrong token, answer 401
  with ``WWW-Authenticate: Token`` (token authentication comes first in the settings).
- 403: the role (or the object) does not allow it.
- 400: input that does not validate (a body, query filters, an id in the path beyond 64 bits)
  or a domain rule on any write.
- 404: an id in the path that does not exist or is not visible, a page past the end, or a
  cursor the API did not give (``ccops.api.pagination.KeysetPagination``).
- 409: a write that conflicts with the current state (a stale version, an illegal
  transition, a published plan, a row that others still reference).
- 415: a body in a media type (or a malformed multipart body) the operation does not read.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from rest_framework import serializers

ERROR_REF = {"$ref": "#/components/schemas/Error"}
UNSAFE = {"post", "put", "patch", "delete"}
METHODS = UNSAFE | {"get", "head", "options", "trace"}
DESCRIPTIONS = {
    "400": "Invalid input: ``errors`` names each field.",
    "401": "Not signed in, or a wrong token.",
    "403": "The role (or the object) does not allow it.",
    "404": "No such object visible to you, or no such page (or cursor).",
    "409": "Conflicts with the current state.",
    "415": "The body's media type is not one this operation reads.",
}


def _model_field(field):
    """The model field behind a ModelSerializer field with a plain ``source``, or None."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:  # a property or an annotation
        return None


def _may_be_blank(field) -> bool:
    if not isinstance(field, serializers.CharField | serializers.ChoiceField):
        return False
    if getattr(field, "allow_blank", False):
        return True
    return field.read_only and getattr(_model_field(field), "blank", False)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, true to what read-only fields really send.

    DRF drops ``allow_blank`` from read-only model fields, so a ``blank=True`` column with
    choices or an email would be documented as never empty; and a read-only field with
    ``default=None`` (``source="team.name"`` when there is no team) sends null.
    """

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and field.read_only and field.default is None:
            meta["nullable"] = True
        return meta

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if _may_be_blank(field) and "" not in schema.get("enum", [""]):
            schema["enum"] = [*schema["enum"], ""]
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if schema.get("format") == "email" and _may_be_blank(field):
            del schema["format"]  # an address, or blank


class ErrorSerializer(serializers.Serializer):
    """The API's one error shape: ``{"detail": message, "errors": {field: [messages]}}``."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERROR_SCHEMA = {
    "type": "object",
    "description": ErrorSerializer.__doc__,
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "errors"],
}


def error_codes(method: str, operation: dict) -> list[str]:
    params = operation.get("parameters", [])
    codes = ["401", "403"]
    path_ids = any(p["in"] == "path" for p in params)
    if (
        method in UNSAFE
        or "requestBody" in operation
        or path_ids
        or any(p["in"] == "query" for p in params)
    ):
        codes.append("400")
    if path_ids or any(p["name"] in ("page", "cursor") for p in params):
        codes.append("404")
    if method in UNSAFE:
        codes.append("409")
    if "requestBody" in operation:
        codes.append("415")
    return codes


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the ``Error`` component and the error codes."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in error_codes(method, operation):
                responses.setdefault(
                    code,
                    {
                        "content": {"application/json": {"schema": ERROR_REF}},
                        "description": DESCRIPTIONS[code],
                    },
                )
    return result
