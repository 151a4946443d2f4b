from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class StaffProfile(models.Model):
    """What a determination letter prints about the person who decided: name and credentials."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    display_name = models.CharField(max_length=120, help_text="Name as printed on letters.")
    credentials = models.CharField(
        max_length=40, help_text='Professional credentials, e.g. "RN", "MD", "DO, FAAPMR".'
    )
    licence_number = models.CharField(max_length=40, blank=True)
    licence_state = models.CharField(max_length=2, blank=True, help_text="Two-letter state code.")
    specialty = models.CharField(
        max_length=120, blank=True, help_text="Board specialty (medical directors)."
    )
    history = HistoricalRecords()

    class Meta:
        permissions = [
            ("review_cases", "Can open and work UM cases"),
            ("approve_cases", "Can approve cases that meet the criteria"),
            ("decide_adverse", "Can deny, partially approve and grant exceptions"),
            ("administer", "Can administer users, policies and settings"),
        ]

    def __str__(self) -> str:
        return self.signature_name

    @property
    def signature_name(self) -> str:
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


def staff_display_name(user) -> str:
    """How a staff member is named in timelines and pages: "Name, credentials", else the
    username; "someone" when there is nobody."""
    if user is None:
        return "someone"
    profile = getattr(user, "staff_profile", None)
    return profile.signature_name if profile else user.get_username()
