"""Where case files live: a private local folder by default, S3-compatible storage when set.

Filled in by the documents part (django-storages when MPP_CASES_S3_BUCKET is set).
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, Storage

# Private uploads under settings.MEDIA_ROOT; never served from a public path.
_local = FileSystemStorage(base_url=None)


def case_storage() -> Storage:
    """The storage case documents are written to and read from."""
    return _local
