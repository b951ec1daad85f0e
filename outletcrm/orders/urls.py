"""orders pages."""

app_name = "orders"
urlpatterns: list = []
