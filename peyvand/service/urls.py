from django.urls import path

from . import views

app_name = "service"
urlpatterns = [
    path("", views.queue_mine, name="queue_mine"),
    path("team/", views.queue_team, name="queue_team"),
    path("unassigned/", views.queue_unassigned, name="queue_unassigned"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("new/", views.new_ticket, name="new"),
    path("new/caller/", views.caller_lookup, name="caller_lookup"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/message/", views.ticket_message, name="ticket_message"),
    path("tickets/<int:pk>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/take/", views.ticket_take, name="ticket_take"),
    path("tickets/<int:pk>/escalate/", views.ticket_escalate, name="ticket_escalate"),
    path("tickets/<int:pk>/edit/", views.ticket_edit, name="ticket_edit"),
    path("tickets/<int:pk>/merge/", views.ticket_merge, name="ticket_merge"),
    path("tickets/<int:pk>/link/", views.ticket_link, name="ticket_link"),
    path("tickets/<int:pk>/unlink/<int:other>/", views.ticket_unlink, name="ticket_unlink"),
    path(
        "tickets/<int:pk>/messages/<int:message_id>/split/",
        views.message_split,
        name="message_split",
    ),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    *__import__("peyvand.service.sla_urls", fromlist=["urlpatterns"]).urlpatterns,
    *__import__("peyvand.service.resource_views", fromlist=["urlpatterns"]).urlpatterns,
    path("settings/tiers/", views.settings_tiers, name="settings_tiers"),
    path("settings/tiers/new/", views.tier_edit, name="tier_new"),
    path("settings/tiers/<int:pk>/", views.tier_edit, name="tier_edit"),
    path("settings/categories/", views.settings_categories, name="settings_categories"),
    path("settings/categories/new/", views.category_edit, name="category_new"),
    path("settings/categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("settings/rules/", views.settings_rules, name="settings_rules"),
    path("settings/rules/new/", views.rule_edit, name="rule_new"),
    path("settings/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("settings/rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("settings/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
