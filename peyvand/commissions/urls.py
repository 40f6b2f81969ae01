from django.urls import path

from . import views

app_name = "commissions"
urlpatterns = [
    path("", views.statement_list, name="statements"),
    path("compute/", views.statement_compute, name="compute"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/recompute/", views.statement_recompute, name="recompute"),
    path("statements/<int:pk>/review/", views.statement_review, name="review"),
    path("statements/<int:pk>/reopen/", views.statement_reopen, name="reopen"),
    path("statements/<int:pk>/approve/", views.statement_approve, name="approve"),
    path("statements/<int:pk>/adjust/", views.statement_adjust, name="adjust"),
    path("statements/<int:pk>.csv", views.statement_csv, name="statement_csv"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_new"),
    path("plans/<int:pk>/", views.plan_edit, name="plan_edit"),
]
