"""What every REST resource shares: objects named by UUID, related objects by UUID, read-only
representations, and the one way a change is made: the query API's own command for the
caller (so both APIs validate and act in one way)."""
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS

from apps.accounts import roles
from apps.api.views import run
from apps.core.registry import REGISTRY

from .permissions import caller_of


class UuidRef(serializers.SlugRelatedField):
    """A related object shown by its UUID (as the query API shows it)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "uuid")
        super().__init__(**kwargs)


class CloudSerializer(serializers.ModelSerializer):
    """Read-only: related objects by UUID, nullable exactly where the model column is."""

    serializer_related_field = UuidRef
    id = serializers.UUIDField(source="uuid", read_only=True)

    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra


def owner_name():
    """The owning account's name, or null for objects no account owns (shared networks)."""
    return serializers.CharField(source="account.name", read_only=True, allow_null=True, default=None)


def command(request, command_name, /, **raw):
    """Run a query-API command for the REST caller; raw values as the query API gets them."""
    cmd = REGISTRY[command_name]
    _role_allows(caller_of(request), cmd)
    params = cmd.parse({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in raw.items() if v is not None})
    return run(cmd, caller_of(request), params)


def _role_allows(caller, cmd):
    """REST answers to the caller's role as the query API does: a 403 where its rules deny."""
    if caller is not None and not roles.may_call(caller, cmd):
        raise PermissionDenied(f"The role of this account does not allow {cmd.name}.")


class CloudViewSet(viewsets.ReadOnlyModelViewSet):
    """Objects named by UUID, limited to what the caller may see (``visible``)."""

    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_converter = "uuid"
    model = None
    related = ()  # select_related for the default ``visible``
    list_command = None  # the query-API command that lists these: the role's rules for it hold here too

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.list_command is not None and request.method in SAFE_METHODS:
            _role_allows(self.caller, REGISTRY[self.list_command])

    @property
    def caller(self):
        return caller_of(self.request)

    def visible(self, caller):
        return self.model.objects.select_related(*self.related).order_by("id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return self.model.objects.none()
        return self.visible(self.caller)
