from django.urls import path

from outletcrm.pipeline import views

app_name = "pipeline"
urlpatterns = [
    path("", views.board_view, name="board"),
    path("funnel/", views.funnel_view, name="funnel"),
    path("cards/", views.board_cards_view, name="cards"),
    path("open/<id:customer_pk>", views.open_view, name="open"),
    path("outputs/<id:pk>/file", views.output_file_view, name="output_file"),
    path("<id:pk>/", views.prospect_view, name="prospect"),
    path("<id:pk>/move", views.move_view, name="move"),
    path("<id:pk>/outputs", views.output_add_view, name="output_add"),
    path("<id:pk>/lost", views.close_lost_view, name="lost"),
    path("<id:pk>/won", views.close_won_view, name="won"),
    path("<id:pk>/next", views.next_action_view, name="next_action"),
]
