"""Mounted at the site root: the director's pages under ``director/``, and the decisions reached
from the case page under the case's own URL (``cases/<pk>/approve/`` and so on)."""

from django.urls import path

from . import views

app_name = "decisions"
urlpatterns = [
    path("director/", views.queue, name="queue"),
    path("director/cases/<int:pk>/", views.review, name="review"),
    path(
        "director/cases/<int:pk>/criteria/<int:node_id>/exception/",
        views.exception_grant,
        name="exception-grant",
    ),
    path(
        "director/cases/<int:pk>/exceptions/<int:exception_id>/withdraw/",
        views.exception_withdraw,
        name="exception-withdraw",
    ),
    path("director/cases/<int:pk>/decide/", views.decide, name="decide"),
    path("cases/<int:pk>/approve/", views.approve, name="approve"),
    path("cases/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("cases/<int:pk>/reopen/", views.reopen, name="reopen"),
]
