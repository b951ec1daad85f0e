"""Pages of the customer archive; import, export and the audit log come from io_urls."""

from django.urls import include, path

from outletcrm.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list_view, name="list"),
    path("new/", views.customer_create_view, name="create"),
    path("lookup/", views.customer_lookup_view, name="lookup"),
    path("<id:pk>/", views.customer_detail_view, name="detail"),
    path("<id:pk>/edit/", views.customer_edit_view, name="edit"),
    path("<id:pk>/archive/", views.customer_archive_view, name="archive"),
    path("<id:pk>/restore/", views.customer_restore_view, name="restore"),
    path("<id:pk>/merge/", views.customer_merge_view, name="merge"),
    path("<id:pk>/contacts/new/", views.contact_form_view, name="contact_create"),
    path("<id:pk>/contacts/<id:contact_pk>/edit/", views.contact_form_view, name="contact_edit"),
    path("<id:pk>/contacts/<id:contact_pk>/reveal/<str:field>/", views.contact_reveal_view,
         name="contact_reveal"),
    path(
        "<id:pk>/contacts/<id:contact_pk>/delete/",
        views.contact_delete_view,
        name="contact_delete",
    ),
    path("<id:pk>/competitors/new/", views.competitor_form_view, name="competitor_create"),
    path(
        "<id:pk>/competitors/<id:entry_pk>/edit/",
        views.competitor_form_view,
        name="competitor_edit",
    ),
    path(
        "<id:pk>/competitors/<id:entry_pk>/delete/",
        views.competitor_delete_view,
        name="competitor_delete",
    ),
    path("", include("outletcrm.customers.io_urls")),
]
