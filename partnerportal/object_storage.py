"""Uploaded files in S3-compatible object storage, for a portal that runs on more than one machine.

Selected by the settings when ``S3_BUCKET`` is set (``STORAGES["default"]``); without it the uploads
stay on the local disk (``partnerportal.uploads.UploadStorage`` under ``MEDIA_ROOT``). Imported only
then, so a portal without object storage never loads boto3.

The objects are private: nothing links to them. Every download goes through the portal's own views,
which check access and stream the file from here (``FieldFile.open()``), never by a URL of the bucket.
"""

from botocore.exceptions import ClientError
from django.conf import settings
from storages.backends.s3 import S3Storage


class ObjectStorage(S3Storage):
    """django-storages' S3 storage with the local disk's behaviour where the portal relies on it."""

    # Two uploads of "report.pdf" to one case are two files, as on the disk (S3Storage overwrites).
    file_overwrite = False
    # Never a public object, and should anything ask for a URL: a signed one that expires.
    default_acl = "private"
    querystring_auth = True
    querystring_expire = 300

    def __init__(self, **options):
        super().__init__(**options)
        # A download is buffered in memory up to the upload limit, and spills to a temporary file above.
        if not self.max_memory_size:
            self.max_memory_size = settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    def get_modified_time(self, name):
        """As on the disk, a file that is gone is FileNotFoundError (S3Storage raises ClientError)."""
        try:
            return super().get_modified_time(name)
        except ClientError as err:
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from err
            raise
