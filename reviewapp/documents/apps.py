from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "reviewapp.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        # Every document stored on a case is read in the background (cases calls its hooks;
        # it imports nothing of this app).
        from reviewapp.cases import services as case_services

        from . import services
        from .access_log import register_reads

        if services.reading_request not in case_services.EVIDENCE_STORED_HOOKS:
            case_services.EVIDENCE_STORED_HOOKS.append(services.reading_request)
        # What the documents panel shows of a case is a read of member data (the access log).
        register_reads()
