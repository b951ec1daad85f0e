"""Import, export and audit-log pages (filled by the import/export work); no app_name here."""

urlpatterns: list = []
