"""Deployment check: the signing key that letters need is where the settings say."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def signing_key_check(app_configs, **kwargs) -> list[Warning]:
    from . import signing

    path = settings.LETTER_SIGNING_PKCS12
    try:
        signing.signer_load(path=path, passphrase=settings.LETTER_SIGNING_PASSPHRASE)
    except signing.SigningKeyError as exc:
        return [
            Warning(
                f"Determination letters cannot be signed: {exc}",
                hint="Set LETTER_SIGNING_PKCS12 and LETTER_SIGNING_PASSPHRASE to the "
                "organisation's PKCS#12 key and certificate (manage.py letters demo-key makes a "
                "self-signed one for a demo).",
                id="letters.W001",
            )
        ]
    return []
