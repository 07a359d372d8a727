from django.contrib import admin

from .models import Account, CloudUser, Domain


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["path", "name", "parent"]
    search_fields = ["path"]
    readonly_fields = ["uuid", "created", "path"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "type", "state"]
    list_filter = ["type", "state"]
    search_fields = ["name"]
    readonly_fields = ["uuid", "created"]


@admin.register(CloudUser)
class CloudUserAdmin(admin.ModelAdmin):
    list_display = ["username", "account", "state", "email"]
    list_filter = ["state"]
    search_fields = ["username", "email"]
    # the secret key is never shown; keys are (re)issued with registerUserKeys
    exclude = ["secret_key"]
    readonly_fields = ["uuid", "created", "api_key", "login"]
