"""visits pages."""

app_name = "visits"
urlpatterns: list = []
