from django.urls import path

from .views import access, actions, checklist, evidence, intake, queue, viewer

app_name = "cases"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("new/", intake.intake, name="intake"),
    path("new/stage-hint/", intake.stage_hint, name="stage-hint"),
    path("new/member-cases/", intake.member_cases, name="member-cases"),
    path("reassign/", actions.reassign_find, name="reassign-find"),
    path("<int:pk>/", checklist.detail, name="detail"),
    path("<int:pk>/timeline/", checklist.timeline, name="timeline"),
    path("<int:pk>/access/", access.case_access, name="access-log"),
    path("<int:pk>/facts/<slug:name>/", checklist.fact_save, name="fact-save"),
    path("<int:pk>/criteria/<int:node_id>/answer/", checklist.answer_save, name="criterion-answer"),
    path(
        "<int:pk>/criteria/<int:node_id>/apply/", checklist.proposal_apply, name="criterion-apply"
    ),
    path("<int:pk>/proposals/apply/", checklist.proposals_apply, name="proposals-apply"),
    path("<int:pk>/criteria/<int:node_id>/evidence/", evidence.evidence_link, name="evidence-link"),
    path("<int:pk>/links/<int:link_id>/delete/", evidence.evidence_unlink, name="evidence-unlink"),
    path("<int:pk>/evidence/", evidence.evidence_upload, name="evidence-upload"),
    path("<int:pk>/evidence/<int:evidence_id>/file/", evidence.evidence_file, name="evidence-file"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/details/",
        evidence.evidence_details,
        name="evidence-details",
    ),
    path("<int:pk>/evidence/<int:evidence_id>/view/", viewer.evidence_view, name="evidence-view"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/pages/<int:page>.png",
        viewer.evidence_page,
        name="evidence-page",
    ),
    path("<int:pk>/claim/", actions.claim, name="claim"),
    path("<int:pk>/reassign/", actions.reassign, name="reassign"),
    path("<int:pk>/pend/", actions.pend, name="pend"),
    path("<int:pk>/resume/", actions.resume, name="resume"),
    path("<int:pk>/refer/", actions.refer, name="refer"),
    path("<int:pk>/recall/", actions.recall, name="recall"),
]
