"""REST API v1 routes."""

from django.urls import include, path  # noqa: F401

urlpatterns: list = []
