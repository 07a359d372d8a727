"""What the OpenAPI schema says beyond the views' own declarations: the API key scheme, and
the error answers every operation can give (so a client, or schemathesis, can rely on them)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.rest.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The value "ApiKey <apikey>:<secretkey>", with the key pair of the query API.',
        }


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="what went wrong")
    errorcode = serializers.IntegerField(required=False, help_text="CloudStack's error code, for errors of the services")


ERROR = OpenApiResponse(ErrorSerializer, description="an error")
INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="invalid input: each offending field (or `detail`) with what is "
                                                           "wrong with it")
ERRORS = {
    "401": OpenApiResponse(ErrorSerializer, description="no credentials, or credentials that do not verify"),
    "403": OpenApiResponse(ErrorSerializer, description="the caller may not do this"),
    "429": OpenApiResponse(ErrorSerializer, description="the account made more calls than its API limit allows"),
}


class CloudAutoSchema(AutoSchema):
    """drf-spectacular's schema with the error answers added to each operation: 400 where the
    caller sends filters or a body, 404 where a path names an object (or a page past the end),
    401/403/429 everywhere, 409/503 for actions a service may refuse."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        extra = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            extra["400"] = INVALID
        if "{" in self.path or self._is_list_view():
            extra["404"] = OpenApiResponse(ErrorSerializer, description="no such object visible to the caller, or no such page")
        if self.method == "POST":
            extra["409"] = OpenApiResponse(ErrorSerializer, description="the object's state or the capacity does not allow it")
            extra["503"] = OpenApiResponse(ErrorSerializer, description="a resource it needs is unavailable")
        for code, response in extra.items():
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return responses


def filters_are_never_empty(result, generator, request, public):
    """drf-spectacular post-processing hook: a text filter is declared ``minLength: 1``, as the
    filter backend refuses an empty one (:mod:`apps.core.filtersets`)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and parameter["name"] != "page" and schema.get("type") == "string" \
                        and "enum" not in schema:
                    schema.setdefault("minLength", 1)
    return result
