"""Signing in and out on the tenant host (the team and settings pages are in web.urls)."""

from django.urls import path

from tenants.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/token/<str:token>/", views.token_login, name="token-login"),
    path("password/set/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password-set"),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]
