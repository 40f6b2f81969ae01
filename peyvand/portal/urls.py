from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/code/", views.verify, name="verify"),
    path("logout/", views.logout, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:pk>/", views.ticket, name="ticket"),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment,
        name="attachment",
    ),
    path("help/", views.articles, name="articles"),
    path("help/<int:pk>/", views.article, name="article"),
    path("help/<int:pk>/feedback/", views.article_feedback, name="article_feedback"),
]
