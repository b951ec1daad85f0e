from django.urls import path

from outletcrm.access import views

app_name = "access"
urlpatterns = [
    path("borrow/", views.borrow_request_view, name="borrow"),
    path("borrow/mine/", views.my_borrowing_view, name="my_borrowing"),
    path("borrow/inbox/", views.borrow_inbox_view, name="borrow_inbox"),
    path("borrow/<id:pk>/decide", views.borrow_decide_view, name="borrow_decide"),
    path("borrow/<id:pk>/withdraw", views.borrow_withdraw_view, name="borrow_withdraw"),
    path("report/", views.access_report_view, name="report"),
    path("exports/", views.export_list_view, name="exports"),
    path("exports/mine/", views.my_exports_view, name="my_exports"),
    path("exports/<id:pk>/decide", views.export_decide_view, name="export_decide"),
    path("exports/<id:pk>/download", views.export_download_view, name="export_download"),
    path("print/<id:pk>/", views.print_card_view, name="print_card"),
]
