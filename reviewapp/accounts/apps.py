from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reviewapp.accounts"
    label = "accounts"
    verbose_name = "Staff and roles"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from .receivers import sign_in_locked

        user_locked_out.connect(sign_in_locked, dispatch_uid="accounts-sign-in-locked")
