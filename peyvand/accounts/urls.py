from django.urls import path

from . import settings_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.mark_notifications_read, name="notifications_read"),
    path("notifications/count/", views.notification_count, name="notification_count"),
    path("settings/", settings_views.users, name="settings"),
    path("settings/users/new/", settings_views.user_form, name="settings_user_create"),
    path("settings/users/<int:user_id>/", settings_views.user_form, name="settings_user_edit"),
    path("settings/teams/", settings_views.teams, name="settings_teams"),
    path("settings/teams/new/", settings_views.team_form, name="settings_team_create"),
    path("settings/teams/<int:team_id>/", settings_views.team_form, name="settings_team_edit"),
    path("settings/roles/", settings_views.roles, name="settings_roles"),
    path("settings/roles/new/", settings_views.role_form, name="settings_role_create"),
    path("settings/roles/<int:role_id>/", settings_views.role_form, name="settings_role_edit"),
    path("settings/sharing/", settings_views.sharing, name="settings_sharing"),
]
