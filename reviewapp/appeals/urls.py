from django.urls import path

from . import views

app_name = "appeals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/new/", views.file, name="file"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/documents/", views.documents, name="documents"),
    path("<int:pk>/criteria/<int:node_id>/answer/", views.answer, name="answer"),
    path("<int:pk>/expedite-decline/", views.expedite_decline, name="expedite-decline"),
    path("<int:pk>/extend/", views.extend, name="extend"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/letter/", views.letter, name="letter"),
    path("<int:pk>/letter/sign/", views.letter_sign, name="letter-sign"),
    path("<int:pk>/case-file.pdf", views.case_file, name="case-file"),
    path("<int:pk>/case-file/export/", views.case_file_prepare, name="case-file-export"),
    path("<int:pk>/case-file/sent/", views.case_file_sent, name="case-file-sent"),
]
