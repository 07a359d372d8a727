from rest_framework import permissions

from apps.accounts.selectors import Caller


def caller_of(request):
    """The cloud user behind a REST request (API key or session), as the query API sees it."""
    user = getattr(request.user, "cloud_user", None)
    return Caller(user) if user is not None and user.state == "enabled" else None


class IsCloudUser(permissions.BasePermission):
    message = "Authentication credentials of a cloud user were not provided."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and caller_of(request))


class IsRootAdmin(IsCloudUser):
    message = "Only a root admin may do this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and caller_of(request).is_root_admin
