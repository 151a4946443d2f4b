"""Administrators see the API's plans, clients, requests, subscriptions and call log.

Clients are registered with ``manage.py fhir clients add`` (it shows the secret once); here an
administrator changes their plans, scopes, rate limit or deactivates them. Requests, deliveries and
calls are read-only: they are records.
"""

from django.contrib import admin

from .models import (
    ApiCall,
    ApiClient,
    ApiRequest,
    NotificationDelivery,
    Plan,
    PlanPolicy,
    Subscription,
)


class PlanPolicyInline(admin.TabularInline):
    model = PlanPolicy
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("identifier", "name", "line_of_business")
    inlines = [PlanPolicyInline]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "scopes", "rate_limit_per_minute", "active", "created_at")
    fields = ("name", "scopes", "plans", "rate_limit_per_minute", "active")
    readonly_fields = ("name",)
    filter_horizontal = ("plans",)

    def has_add_permission(self, request) -> bool:
        return False  # manage.py fhir clients add (the secret is shown once there)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiRequest)
class ApiRequestAdmin(ReadOnlyAdmin):
    list_display = ("case", "client", "plan", "claim_identifier_value", "received_at")
    list_select_related = ("case", "client", "plan")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("id", "client", "criteria", "endpoint", "status", "error")


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "subscription", "state", "status", "attempts", "next_attempt_at")


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = ("at", "client", "method", "path", "interaction", "status_code", "case")
    list_filter = ("interaction", "status_code")
    list_select_related = ("client", "case")
