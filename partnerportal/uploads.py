"""Saving uploaded files so that a failing disk leaves nothing behind.

A full media disk (ENOSPC), a quota, a read-only mount or a storage service error must not end in
a generic 500 with a half-written file: the partial file would keep the disk full and make every
later upload fail too. ``UploadStorage`` (the default storage) removes what it wrote when a save
fails, and ``save_with_file`` / ``store`` turn the failure into ``UploadNotSaved``, a
``ValidationError`` that the pages and the API show as "the file was not saved, and why". The
callers run in a transaction, so nothing else of the write is kept either.
"""

import errno
import logging
import mimetypes
import os
import threading

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# The first bytes a file of each type starts with; a text type must hold no NUL byte.
SIGNATURES = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
}
TEXT_TYPES = ("csv", "txt")


def validate_file(uploaded, *, extensions, max_bytes) -> str:
    """An uploaded file's type (its extension among `extensions`, and content that fits it) and size (not
    empty, at most `max_bytes`), before anything is saved; returns its clean name (no directories)."""
    name = os.path.basename(uploaded.name or "")[:200]
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in extensions:
        raise ValidationError(
            _("Files of type “%(ext)s” are not allowed. Allowed: %(allowed)s.")
            % {"ext": extension or "?", "allowed": ", ".join(extensions)}
        )
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)d MB); the limit is %(limit)d MB.")
            % {"size": -(-uploaded.size // (1024 * 1024)), "limit": max_bytes // (1024 * 1024)}
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."))
    head = uploaded.read(4096)
    uploaded.seek(0)
    if (extension in SIGNATURES and not head.startswith(SIGNATURES[extension])) or (
        extension in TEXT_TYPES and b"\x00" in head
    ):
        raise ValidationError(_("The file's content does not match its type “%(ext)s”.") % {"ext": extension})
    return name


_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


class UploadNotSaved(ValidationError):
    """The storage could not keep the file; nothing was saved."""

    @classmethod
    def from_error(cls, exc: Exception) -> "UploadNotSaved":
        if isinstance(exc, OSError) and exc.errno in _FULL:
            reason = _("the server's file storage is full")
        elif isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = _("the server may not write to its file storage")
        else:
            reason = _("the server's file storage failed")
        return cls(
            _(
                "The file was not saved: %(reason)s. Nothing was changed; "
                "please try again later or tell an administrator."
            )
            % {"reason": reason},
            code="storage",
        )


class UploadStorage(FileSystemStorage):
    """Django's file system storage, except that a failed save removes the file it started."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._attempt = threading.local()

    def get_available_name(self, name, max_length=None):
        name = super().get_available_name(name, max_length=max_length)
        # _save() asks again when another upload took the name first: the file it then creates is this one.
        self._attempt.name = name
        return name

    def _save(self, name, content):
        self._attempt.name = name
        try:
            return super()._save(name, content)
        except BaseException:
            self._remove_partial(self._attempt.name)
            raise

    def _remove_partial(self, name):
        try:
            self.delete(name)
        except OSError:
            logger.exception("Could not remove the partly written upload %s", name)


def store(storage, name: str, content) -> str:
    """Save `content` under `name` in `storage`; UploadNotSaved when the storage fails."""
    try:
        return storage.save(name, content)
    except Exception as exc:
        logger.warning("Upload %s not saved: %r", name, exc)
        raise UploadNotSaved.from_error(exc) from exc


def save_with_file(instance, field_name: str, filename: str, content) -> None:
    """Store the upload in `instance.<field_name>` and save the instance: both or neither.

    Call it inside the service's transaction; UploadNotSaved leaves the database untouched and no
    file behind.
    """
    field_file = getattr(instance, field_name)
    try:
        field_file.save(filename, content, save=False)
    except Exception as exc:
        logger.warning("Upload %s not saved: %r", filename, exc)
        raise UploadNotSaved.from_error(exc) from exc
    try:
        instance.save()
    except BaseException:
        field_file.storage.delete(field_file.name)
        raise


def download_response(stored, filename: str):
    """A stored file as a download that is never rendered inline (for the pages and the API alike; the
    caller has looked the object up through the access policy)."""
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
