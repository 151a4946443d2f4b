"""The private file storage: evidence and signed letters. Never served under a public URL."""

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """The configured private storage (callable, so tests and settings can swap it)."""
    return storages["evidence"]
