from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("determinations/<int:pk>/", views.preview, name="preview"),
    path("determinations/<int:pk>/sign/", views.sign, name="sign"),
    path("determinations/<int:pk>/letter.pdf", views.download, name="download"),
    path("verify/", views.verify, name="verify"),
    path("issued/<int:pk>/letter.pdf", views.letter_file, name="letter-file"),
    path("cases/<int:pk>/extension-notice/", views.extension_sign, name="extension-sign"),
    path("deliveries/<int:pk>/sent/", views.delivery_sent, name="delivery-sent"),
    path("mail/", views.mail_room, name="mail-room"),
    path("mail/batches/", views.mail_batch_create, name="mail-batch-create"),
    path("mail/batches/<int:pk>/batch.pdf", views.mail_batch_pdf, name="mail-batch-pdf"),
    path("mail/batches/<int:pk>/sent/", views.mail_batch_sent, name="mail-batch-sent"),
]
