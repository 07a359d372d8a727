"""How VMs are filtered, for listVirtualMachines and /api/v1/vms/ alike (the parameter names
are CloudStack's; REST also knows ``zone``)."""
from django.db.models import Q
from django_filters import rest_framework as filters

from apps.core.filtersets import StrictFilterSet

from .choices import VmState
from .models import VirtualMachine


class UUIDInFilter(filters.BaseInFilter, filters.UUIDFilter):
    pass


class VirtualMachineFilterSet(StrictFilterSet):
    id = filters.UUIDFilter(field_name="uuid")
    ids = UUIDInFilter(field_name="uuid", lookup_expr="in")
    name = filters.CharFilter(field_name="name")
    state = filters.CharFilter(method="by_state", help_text="a VM state, or 'present' for every state but Destroyed and Expunging")
    zoneid = filters.UUIDFilter(field_name="zone__uuid")
    zone = filters.UUIDFilter(field_name="zone__uuid", help_text="the same as zoneid")
    templateid = filters.UUIDFilter(field_name="template__uuid")
    hostid = filters.UUIDFilter(field_name="host__uuid")
    account = filters.CharFilter(field_name="account__name")
    domainid = filters.UUIDFilter(field_name="account__domain__uuid")
    keypair = filters.CharFilter(field_name="keypair")
    keyword = filters.CharFilter(method="by_keyword", help_text="a part of the name or the display name")

    class Meta:
        model = VirtualMachine
        fields = []

    def by_state(self, queryset, name, value):
        if value.lower() == "present":
            return queryset.exclude(state__in=[VmState.DESTROYED, VmState.EXPUNGING])
        return queryset.filter(state__iexact=value)

    def by_keyword(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(display_name__icontains=value))
