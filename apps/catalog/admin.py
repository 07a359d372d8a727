from django.contrib import admin

from .models import DiskOffering, OsType, ServiceOffering, Template


@admin.register(ServiceOffering)
class ServiceOfferingAdmin(admin.ModelAdmin):
    list_display = ["name", "cpu_number", "cpu_speed", "memory_mb", "offer_ha", "host_tags"]
    search_fields = ["name", "display_text"]
    readonly_fields = ["uuid", "created"]


@admin.register(DiskOffering)
class DiskOfferingAdmin(admin.ModelAdmin):
    list_display = ["name", "disk_size_gb", "customized"]
    search_fields = ["name"]
    readonly_fields = ["uuid", "created"]


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "os_type", "format", "hypervisor", "size_bytes", "zone", "is_public", "is_ready"]
    list_filter = ["hypervisor", "format", "is_public", "zone"]
    search_fields = ["name", "display_text"]
    readonly_fields = ["uuid", "created"]


@admin.register(OsType)
class OsTypeAdmin(admin.ModelAdmin):
    list_display = ["description", "category"]
    search_fields = ["description"]
