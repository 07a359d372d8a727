from django.contrib import admin

from .models import AsyncJob, JobStep


class StepInline(admin.TabularInline):
    model = JobStep
    extra = 0
    can_delete = False
    readonly_fields = ["name", "component", "state", "error_code", "error", "started", "finished"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AsyncJob)
class AsyncJobAdmin(admin.ModelAdmin):
    list_display = ["uuid", "command", "status", "result_code", "account", "instance_type", "created", "completed"]
    list_filter = ["status", "command"]
    search_fields = ["uuid", "instance_uuid", "command"]
    inlines = [StepInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
