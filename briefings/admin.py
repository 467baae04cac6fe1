from django.contrib import admin

from .models import Briefing, BriefingSection, BriefingVersion, Feedback


class SectionInline(admin.StackedInline):
    model = BriefingSection
    extra = 0


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ("title", "audit", "edition")
    inlines = [SectionInline]


@admin.register(BriefingVersion)
class BriefingVersionAdmin(admin.ModelAdmin):
    list_display = ("briefing", "number", "status", "published_at", "pages")
    readonly_fields = ("content", "file")


admin.site.register(Feedback)
