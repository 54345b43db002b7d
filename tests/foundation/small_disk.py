"""A media disk with little room: writes beyond it fail part-way with ENOSPC, like a full disk."""

import errno
import os
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.functional import empty


class _FillingDisk(File):
    """The upload as the storage writes it, 1 KB at a time, until the disk has no room left."""

    piece = 1024

    def __init__(self, content, room: int):
        super().__init__(content, name=getattr(content, "name", None))
        self.room = room

    def chunks(self, chunk_size=None):
        for chunk in self.file.chunks() if hasattr(self.file, "chunks") else [self.file.read()]:
            for start in range(0, len(chunk), self.piece):
                piece = chunk[start : start + self.piece]
                if len(piece) > self.room:
                    yield piece[: self.room]
                    self.room = 0
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                self.room -= len(piece)
                yield piece


class SmallDisk:
    def __init__(self, root: Path, capacity: int):
        self.root, self.capacity = root, capacity

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def used(self) -> int:
        return sum(p.stat().st_size for p in self.files())


@pytest.fixture(name="small_disk")
def small_disk_fixture(settings, tmp_path, monkeypatch):
    """The real default storage on a media disk of 48 KB (its own files count against it)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    disk = SmallDisk(settings.MEDIA_ROOT, 48 * 1024)
    if default_storage._wrapped is empty:
        default_storage._setup()
    storage = default_storage._wrapped
    real_save = type(storage)._save

    def save_on_small_disk(name, content):
        room = max(disk.capacity - (disk.used() if disk.root.exists() else 0), 0)
        return real_save(storage, name, _FillingDisk(content, room))

    monkeypatch.setattr(storage, "_save", save_on_small_disk)
    return disk
