from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


@admin.register(models.AuditTheme, models.RiskFactor)
class TaxonomyAdmin(admin.ModelAdmin):
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class GradeInline(admin.TabularInline):
    model = models.Grade
    extra = 0


@admin.register(models.GradeScale)
class GradeScaleAdmin(admin.ModelAdmin):
    inlines = [GradeInline]


class ToolVersionInline(admin.TabularInline):
    model = models.ToolVersion
    extra = 0


@admin.register(models.AuditTool)
class AuditToolAdmin(admin.ModelAdmin):
    inlines = [ToolVersionInline]


class SectionInline(admin.TabularInline):
    model = models.Section
    extra = 0


@admin.register(models.ToolVersion)
class ToolVersionAdmin(admin.ModelAdmin):
    list_display = ("tool", "number", "scale", "created_at")
    inlines = [SectionInline]


class StandardInline(admin.StackedInline):
    model = models.Standard
    extra = 0


@admin.register(models.Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("title", "version", "order")
    inlines = [StandardInline]


class ParticipantInline(admin.TabularInline):
    model = models.AuditAgency
    extra = 0


class CaseInline(admin.TabularInline):
    model = models.Case
    extra = 0


@admin.register(models.Audit)
class AuditAdmin(admin.ModelAdmin):
    list_display = ("title", "theme", "status", "lead_officer", "part_a_due", "part_b_date")
    list_filter = ("status", "theme")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [ParticipantInline, CaseInline]


@admin.register(models.PartAReturn)
class PartAReturnAdmin(SimpleHistoryAdmin):
    list_display = ("case", "agency", "audit", "status", "version")
    list_filter = ("status", "audit")


@admin.register(models.Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "kind", "audit", "order")
    list_filter = ("kind", "audit")


@admin.register(models.Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "audit", "owner", "due_date", "status")
    list_filter = ("status", "audit")


admin.site.register(models.PartBSession)
admin.site.register(models.CaseJudgement, SimpleHistoryAdmin)
