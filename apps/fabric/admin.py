"""Django admin for the fabric: what an operator looks at and changes. Hosts are added
through the same service as the addHost command (the compute agent connects them)."""
from django import forms
from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from apps.core.errors import CloudError

from . import services
from .models import AllocationState, Cluster, Host, Pod, StoragePool, Zone


def _link(obj):
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


class PodInline(admin.TabularInline):
    model = Pod
    extra = 0
    fields = ["name", "gateway", "netmask", "allocation_state"]
    show_change_link = True


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "network_type", "allocation_state", "pod_count", "host_count", "created"]
    list_filter = ["allocation_state", "network_type"]
    search_fields = ["name", "description"]
    readonly_fields = ["uuid", "created"]
    inlines = [PodInline]

    @admin.display(description="pods")
    def pod_count(self, zone):
        return zone.pods.count()

    @admin.display(description="hosts")
    def host_count(self, zone):
        return zone.hosts.count()


class ClusterInline(admin.TabularInline):
    model = Cluster
    extra = 0
    fields = ["name", "hypervisor", "allocation_state"]
    show_change_link = True


@admin.register(Pod)
class PodAdmin(admin.ModelAdmin):
    list_display = ["name", "zone_link", "allocation_state", "created"]
    list_filter = ["zone", "allocation_state"]
    search_fields = ["name"]
    readonly_fields = ["uuid", "created"]
    inlines = [ClusterInline]

    @admin.display(description="zone")
    def zone_link(self, pod):
        return _link(pod.zone)


class HostInline(admin.TabularInline):
    model = Host
    extra = 0
    fields = ["name", "state", "resource_state", "url"]
    readonly_fields = ["name", "state", "url"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "hypervisor", "pod_link", "zone", "allocation_state", "host_count"]
    list_filter = ["zone", "hypervisor", "allocation_state"]
    search_fields = ["name"]
    readonly_fields = ["uuid", "created", "zone"]
    inlines = [HostInline]

    @admin.display(description="pod")
    def pod_link(self, cluster):
        return _link(cluster.pod)

    @admin.display(description="hosts")
    def host_count(self, cluster):
        return cluster.hosts.count()

    def save_model(self, request, obj, form, change):
        obj.zone = obj.pod.zone
        super().save_model(request, obj, form, change)


class AddHostForm(forms.ModelForm):
    """What addHost takes: the cluster and the host's URL (``simulator://name?cpunumber=..``
    or a libvirt URI); capacity is read from the hypervisor, not typed in."""

    class Meta:
        model = Host
        fields = ["cluster", "url", "host_tags"]
        help_texts = {"url": "simulator://NAME?cpunumber=8&cpuspeed=2000&memory=16384, or a libvirt URI such as qemu:///system"}

    def clean(self):
        data = super().clean()
        if data.get("cluster") and data.get("url"):
            try:
                services.parse_host_url(data["cluster"], data["url"])
            except CloudError as error:
                raise forms.ValidationError(error.errortext) from None
        return data


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "resource_state", "hypervisor", "cluster_link", "zone", "cpu", "memory", "last_pinged"]
    list_filter = ["state", "resource_state", "hypervisor", "zone", "cluster"]
    search_fields = ["name", "url", "host_tags"]
    readonly_fields = ["uuid", "created", "name", "zone", "pod", "cluster", "hypervisor", "url", "state", "cpu_number",
                       "cpu_speed", "memory_mb", "cpu_allocated_mhz", "memory_allocated_mb", "last_pinged"]
    fields = ["name", "uuid", "zone", "pod", "cluster", "hypervisor", "url", "state", "resource_state", "host_tags",
              "cpu_number", "cpu_speed", "memory_mb", "cpu_allocated_mhz", "memory_allocated_mb", "last_pinged", "created"]
    actions = ["enable", "disable"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AddHostForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["cluster", "url", "host_tags"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        with transaction.atomic():
            host = services.add_host_by_url(form.cleaned_data["cluster"], form.cleaned_data["url"],
                                            form.cleaned_data.get("host_tags", ""))
        obj.pk, obj.name = host.pk, host.name

    @admin.display(description="cluster")
    def cluster_link(self, host):
        return _link(host.cluster)

    @admin.display(description="CPU MHz used / total")
    def cpu(self, host):
        return f"{host.cpu_allocated_mhz} / {host.cpu_total_mhz}"

    @admin.display(description="memory MB used / total")
    def memory(self, host):
        return f"{host.memory_allocated_mb} / {host.memory_mb}"

    @admin.action(description="Enable the selected hosts for allocation")
    def enable(self, request, queryset):
        queryset.update(resource_state=AllocationState.ENABLED)

    @admin.action(description="Disable the selected hosts for allocation")
    def disable(self, request, queryset):
        queryset.update(resource_state=AllocationState.DISABLED)


@admin.register(StoragePool)
class StoragePoolAdmin(admin.ModelAdmin):
    list_display = ["name", "zone", "cluster", "scope", "state", "used"]
    list_filter = ["zone", "scope", "state"]
    search_fields = ["name", "path"]
    readonly_fields = ["uuid", "created", "allocated_bytes"]

    @admin.display(description="GiB allocated / total")
    def used(self, pool):
        return f"{pool.allocated_bytes / 1024**3:.1f} / {pool.capacity_bytes / 1024**3:.1f}"
