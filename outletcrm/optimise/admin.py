from django.contrib import admin

from outletcrm.optimise.models import OptimisationJob, RepBase


@admin.register(OptimisationJob)
class OptimisationJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "progress", "rep", "team", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in OptimisationJob._meta.fields]


@admin.register(RepBase)
class RepBaseAdmin(admin.ModelAdmin):
    list_display = ["user", "work_start", "work_end", "mode", "updated_at"]
    raw_id_fields = ["user"]
