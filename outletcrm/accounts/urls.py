from django.urls import path

from outletcrm.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.security, name="security"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("sessions/", views.sessions_all, name="sessions_all"),
    path("sessions/<id:pk>/end/", views.session_end, name="session_end"),
    path("tokens/<id:user_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/reset/<id:user_id>/", views.two_factor_reset, name="two_factor_reset"),
]
