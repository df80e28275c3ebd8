"""Where case files live: a private local folder by default, S3-compatible storage when set.

Why: the documents of an application (KTP scans, letters, the product itself) are
personal data kept for years; one server's disk is enough for a small mall, and a
province running many malls puts them in an S3-compatible bucket (AWS S3, MinIO,
a cloud provider's object storage) instead. The choice is made by settings:

- MPP_CASES_S3_BUCKET unset: files under MEDIA_ROOT (never served from a public path);
- set: django-storages' S3Storage on that bucket, MPP_CASES_S3_ENDPOINT (MinIO and other
  non-AWS services; path-style addressing), MPP_CASES_S3_ACCESS_KEY / _SECRET_KEY
  (else boto3's usual credentials), MPP_CASES_S3_REGION. Objects are private (no ACL),
  never overwritten, and read back through MPP (signed URLs are not handed out).

`case_storage()` is what CaseDocument.file is stored through (the migration refers to
it). It returns a lazy storage that follows the settings: tests that change them (and
`storage_reset()`) get the backend the new settings describe.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

SETTINGS = (
    "MPP_CASES_S3_BUCKET",
    "MPP_CASES_S3_ENDPOINT",
    "MPP_CASES_S3_ACCESS_KEY",
    "MPP_CASES_S3_SECRET_KEY",
    "MPP_CASES_S3_REGION",
    "MEDIA_ROOT",
)


def storage_build() -> Storage:
    """A new storage as the current settings describe it."""
    bucket = getattr(settings, "MPP_CASES_S3_BUCKET", "")
    if not bucket:
        # Private uploads under settings.MEDIA_ROOT; no base URL: never served directly.
        return FileSystemStorage(base_url=None)
    from storages.backends.s3 import S3Storage

    endpoint = getattr(settings, "MPP_CASES_S3_ENDPOINT", "") or None
    return S3Storage(
        bucket_name=bucket,
        endpoint_url=endpoint,
        access_key=getattr(settings, "MPP_CASES_S3_ACCESS_KEY", "") or None,
        secret_key=getattr(settings, "MPP_CASES_S3_SECRET_KEY", "") or None,
        region_name=getattr(settings, "MPP_CASES_S3_REGION", "") or None,
        addressing_style="path" if endpoint else None,
        signature_version="s3v4",
        file_overwrite=False,
        default_acl=None,
        querystring_auth=True,
        querystring_expire=300,
    )


class _CaseStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storage_build()


_storage = _CaseStorage()


def case_storage() -> Storage:
    """The storage case documents are written to and read from."""
    return _storage


def storage_reset() -> None:
    """Forget the backend built: the next use builds it from the settings again."""
    _storage._wrapped = empty


def storage_is_s3() -> bool:
    return bool(getattr(settings, "MPP_CASES_S3_BUCKET", ""))


def storage_open(storage: Storage, name: str):
    """A stored file opened for reading in chunks, without a copy of it first.

    S3: the object's streaming body (S3Storage.open would download the whole object
    into memory before the first byte). FileNotFoundError when the object is gone,
    OSError when the store does not answer.
    """
    from storages.backends.s3 import S3Storage

    if not isinstance(storage, S3Storage):
        return storage.open(name, "rb")
    from botocore.exceptions import BotoCoreError, ClientError
    from storages.utils import clean_name

    try:
        return storage.bucket.Object(storage._normalize_name(clean_name(name))).get()["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            raise FileNotFoundError(name) from None
        raise OSError(f"S3: {exc.response.get('Error', {}).get('Code')}") from None
    except BotoCoreError as exc:
        raise OSError(f"S3: {type(exc).__name__}") from None


def _on_setting_changed(*, setting, **kwargs) -> None:
    if setting in SETTINGS:
        storage_reset()


setting_changed.connect(_on_setting_changed)
