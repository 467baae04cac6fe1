from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AccessRecord, Agency, Partnership, PartnershipLink, SupportContact, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "agency", "is_active")
    list_filter = ("role", "agency", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Partnership", {"fields": ("role", "agency", "job_title", "board_access")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Partnership", {"fields": ("role", "agency")}),)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "sector")
    list_filter = ("sector",)
    search_fields = ("name", "short_name")


class SupportContactInline(admin.TabularInline):
    model = SupportContact
    extra = 0


class PartnershipLinkInline(admin.TabularInline):
    model = PartnershipLink
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    inlines = [SupportContactInline, PartnershipLinkInline]


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "object_type", "object_id", "summary", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("username", "summary", "object_id", "path")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
