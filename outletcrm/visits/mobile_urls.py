"""mobile pages."""

app_name = "mobile"
urlpatterns: list = []
