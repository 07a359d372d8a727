from django.contrib import admin

from .models import VirtualMachine


@admin.register(VirtualMachine)
class VirtualMachineAdmin(admin.ModelAdmin):
    """VMs change state only through their flows: the admin shows them, it does not edit them."""

    list_display = ["name", "state", "account", "zone", "host", "service_offering", "created"]
    list_filter = ["state", "zone", "host"]
    search_fields = ["name", "display_name", "instance_name", "uuid"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
