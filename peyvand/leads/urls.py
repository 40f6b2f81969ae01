from django.urls import path

from . import public, views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("mine/", views.my_leads, name="mine"),
    path("bulk/", views.bulk, name="bulk"),
    path("call/", views.quick_call, name="call"),
    path("call/lookup/", views.call_lookup, name="call_lookup"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.lead_edit, name="edit"),
    path("<int:pk>/status/", views.lead_status, name="status"),
    path("<int:pk>/assign/", views.lead_assign, name="assign"),
    path("<int:pk>/reroute/", views.lead_reroute, name="reroute"),
    path("<int:pk>/interaction/", views.lead_interaction, name="interaction"),
    path("<int:pk>/review/", views.lead_review, name="review"),
    path("<int:pk>/convert/", views.lead_convert, name="convert"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("scoring/", views.scoring_list, name="scoring"),
    path("scoring/new/", views.scoring_edit, name="scoring_new"),
    path("scoring/<int:pk>/", views.scoring_edit, name="scoring_edit"),
    path("scoring/<int:pk>/delete/", views.scoring_delete, name="scoring_delete"),
    path("forms/", views.form_list, name="forms"),
    path("forms/new/", views.form_edit, name="form_new"),
    path("forms/<int:pk>/", views.form_edit, name="form_edit"),
    path("forms/<int:pk>/rotate-key/", views.form_rotate_key, name="form_rotate_key"),
    path("import/event/", views.event_import, name="event_import"),
    path("reports/funnel/", views.funnel, name="funnel"),
    path("reports/funnel.csv", views.funnel_csv, name="funnel_csv"),
    # Public: no login (web forms on other sites post here).
    path("f/<str:key>/", public.hosted_form, name="public_form"),
    path("f/<str:key>/submit", public.submit, name="public_submit"),
]
