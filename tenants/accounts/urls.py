"""Dashboard pages of the accounts app on the tenant host."""

from django.urls import path

from tenants.accounts import views

urlpatterns = [
    # "/" (Today, name "dashboard") is delivery.pages.today.
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/token/<str:token>/", views.token_login, name="token-login"),
    path("password/set/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password-set"),
    path("team/", views.team, name="team"),
    path("team/<uuid:user_id>/deactivate/", views.team_deactivate, name="team-deactivate"),
    path("settings/api-keys/", views.api_keys, name="api-keys"),
    path("settings/business/", views.business_settings, name="business-settings"),
    path("settings/business/close/", views.business_close, name="business-close"),
    path(
        "settings/api-keys/<uuid:key_id>/revoke/", views.api_key_revoke_view, name="api-key-revoke"
    ),
]
