from django.urls import path

from . import access_views, evidence_viewer, views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.intake, name="intake"),
    path("new/stage-hint/", views.stage_hint, name="stage-hint"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/timeline/", views.timeline, name="timeline"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/facts/<slug:name>/", views.fact_save, name="fact-save"),
    path("<int:pk>/criteria/<int:node_id>/answer/", views.answer_save, name="criterion-answer"),
    path("<int:pk>/criteria/<int:node_id>/evidence/", views.evidence_link, name="evidence-link"),
    path("<int:pk>/links/<int:link_id>/delete/", views.evidence_unlink, name="evidence-unlink"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence-upload"),
    path("<int:pk>/evidence/<int:evidence_id>/file/", views.evidence_file, name="evidence-file"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/view/",
        evidence_viewer.evidence_view,
        name="evidence-view",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_id>/pages/<int:page>.png",
        evidence_viewer.evidence_page,
        name="evidence-page",
    ),
    path("<int:pk>/access/", access_views.case_access, name="access-log"),
    path("<int:pk>/pend/", views.pend, name="pend"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/refer/", views.refer, name="refer"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
]
