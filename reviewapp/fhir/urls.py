"""FHIR R4 endpoints under /fhir/r4/ (the paths are part of the API's contract)."""

from django.urls import path

from . import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Claim/$submit", views.claim_submit, name="claim-submit"),
    path("Claim/$inquire", views.claim_inquire, name="claim-inquire"),
    path("ClaimResponse", views.claim_response_search, name="claimresponse-search"),
    path("ClaimResponse/<str:reference>", views.claim_response_read, name="claimresponse-read"),
    path("Questionnaire", views.questionnaire_search, name="questionnaire-search"),
    path(
        "Questionnaire/<str:questionnaire_id>",
        views.questionnaire_read,
        name="questionnaire-read",
    ),
    path("ValueSet/<str:value_set_id>", views.value_set_read, name="valueset-read"),
    path("Binary/<str:binary_id>", views.binary_read, name="binary-read"),
    path("Subscription", views.subscriptions, name="subscriptions"),
    path("Subscription/<int:pk>", views.subscription_detail, name="subscription-detail"),
]
