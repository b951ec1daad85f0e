from django.contrib.auth import views as auth_views
from django.urls import path

from outletcrm.core.views import LoginView, map_base_layer

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("maps/base.geojson", map_base_layer, name="map-base"),
]
