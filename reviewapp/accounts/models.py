from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class StaffProfile(models.Model):
    """What a determination letter prints about the person who decided: name and credentials."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    display_name = models.CharField(max_length=120, help_text="Name as printed on letters.")
    credentials = models.CharField(
        max_length=40,
        blank=True,
        help_text='Professional credentials, e.g. "RN", "MD", "DO, FAAPMR" (none for staff who '
        "never sign letters).",
    )
    licence_number = models.CharField(max_length=40, blank=True)
    licence_state = models.CharField(max_length=2, blank=True, help_text="Two-letter state code.")
    specialty = models.CharField(
        max_length=120,
        blank=True,
        help_text='Board specialty (medical directors), e.g. "Anesthesiology and Pain Medicine". '
        "An appeal goes only to a reviewer whose specialty names one the appeal reviewer rules "
        "ask for.",
    )
    # Who this person reports to. An appeal is never decided by a subordinate of anyone who took
    # part in the decision appealed (42 CFR 438.406(b)(2)(i); 29 CFR 2560.503-1(h)(3)(ii)).
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervisees",
        help_text="Who this person reports to (appeals are never decided by a subordinate of "
        "the physician who made the decision appealed).",
    )
    history = HistoricalRecords()

    class Meta:
        permissions = [
            ("review_cases", "Can open and work UM cases"),
            ("approve_cases", "Can approve cases that meet the criteria"),
            ("decide_adverse", "Can deny, partially approve and grant exceptions"),
            ("administer", "Can administer users, policies and settings"),
            ("view_audit", "Can view the access log and security events"),
            ("view_operations", "Can view operations: inventory, turnaround, workload, metrics"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("user")),
                name="staff_not_own_supervisor",
            ),
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


class SecurityEventKind(models.TextChoices):
    ACCOUNT_CREATED = "account_created", "Account created"
    ACCOUNT_DELETED = "account_deleted", "Account deleted"
    ROLES_CHANGED = "roles_changed", "Roles changed"
    PERMISSIONS_CHANGED = "permissions_changed", "Individual permissions changed"
    GROUP_PERMISSIONS_CHANGED = "group_permissions_changed", "A role's permissions changed"
    SUPERUSER_CHANGED = "superuser_changed", "Superuser status changed"
    STAFF_FLAG_CHANGED = "staff_flag_changed", "Staff status changed"
    ACTIVE_CHANGED = "active_changed", "Account activated or deactivated"
    USERNAME_CHANGED = "username_changed", "Username changed"
    EMAIL_CHANGED = "email_changed", "E-mail address changed"
    PASSWORD_LINK_SENT = "password_link_sent", "Password link sent"
    PASSWORD_SET_BY_LINK = "password_set_by_link", "Password set through a link"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    ESCALATION_REFUSED = "escalation_refused", "Refused: change to protected access"
    SIGN_IN_LOCKED = "sign_in_locked", "Sign-in locked after failures"
    # Not a change of access, but removing stored member data is a security matter too.
    FILES_SWEPT = "files_swept", "Orphaned files removed"


class SecurityEvent(models.Model):
    """Who changed whose access, and attempts that were refused: an append-only record.

    Rows are only ever inserted (by ``services.security_event_record``). The model refuses
    updates and deletes, and on PostgreSQL a trigger refuses them in the database too (except
    the retention purge of rows older than the legal minimum; see ``reviewapp.audit``).
    Users are referenced without a database constraint, and their usernames are copied, so the
    record outlives the accounts it names.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=40, choices=SecurityEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    target_name = models.CharField(max_length=150, blank=True)
    summary = models.CharField(max_length=500)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target", "-at"], name="security_event_target_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("Security events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Security events are append-only.")
