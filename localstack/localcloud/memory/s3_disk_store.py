"""S3 object bodies in files of their own, opened only while a request reads or writes them.

The classes LocalStack's S3 provider uses (localstack.services.s3.storage.ephemeral), with one
change: where LocalStack keeps an object's body (or a multipart upload's part) in a
SpooledTemporaryFile, in memory up to 512 KiB and in an anonymous temporary file (one open
descriptor per object, as long as it exists) above, an ObjectFile keeps it in a named file and
holds a descriptor only for the operation at hand. Everything else (locks, ETag and checksum
computation, ranges, multipart assembly, copies, versions) is LocalStack's own code, unchanged.

Imported by s3_on_disk.py once LocalStack's S3 provider is: importing S3's modules costs more
than a second of start-up, for a service most starts never use.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from typing import Literal

from localstack.services.s3.models import S3Object, S3Part
from localstack.services.s3.storage.ephemeral import (
    EphemeralS3ObjectStore,
    EphemeralS3StoredMultipart,
    EphemeralS3StoredObject,
)
from readerwriterlock import rwlock

FILE_MODE = 0o600


def new_file_in(directory: str) -> str:
    # Named by a random id, not by the object's key: keys are any UTF-8 up to 1,024 bytes.
    return os.path.join(directory, uuid.uuid4().hex)


def _open(path: str) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
    try:
        return os.open(path, flags, FILE_MODE)
    except FileNotFoundError:  # the bucket's folder is made at CreateBucket; never mind if not
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, flags, FILE_MODE)


class ObjectFile:
    """An object's body on disk, with the interface EphemeralS3StoredObject uses of its
    LockedSpooledTemporaryFile: a shared position (guarded by position_lock), seek/tell/read/
    write/truncate, a reader-writer lock and the time of the last change. close() removes it.

    No descriptor is held between operations, so ten thousand objects are not ten thousand open
    files; held_open() keeps one open across a whole write. Only this object writes its file, so
    it knows the length: a read at the end answers without a system call."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.position_lock = threading.RLock()
        self.readwrite_lock = rwlock.RWLockWrite()
        self.internal_last_modified = 0
        self._position = 0
        self._length = 0
        self._fd: int | None = None
        self._removed = False

    @contextlib.contextmanager
    def held_open(self) -> Iterator[int]:
        """The file's descriptor, for the block (and every operation within it)."""
        with self.position_lock:
            if self._fd is not None:
                yield self._fd
                return
            if self._removed:
                # As LocalStack's closed spooled file answers: the object was deleted meanwhile.
                raise ValueError("I/O operation on a removed S3 object body")
            self._fd = _open(self.path)
            try:
                yield self._fd
            finally:
                fd, self._fd = self._fd, None
                os.close(fd)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        with self.position_lock:
            if whence == os.SEEK_SET:
                self._position = offset
            elif whence == os.SEEK_CUR:
                self._position += offset
            elif whence == os.SEEK_END:
                self._position = self._length + offset
            else:
                raise ValueError(f"invalid whence ({whence})")
            return self._position

    def tell(self) -> int:
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        with self.position_lock:
            left = self._length - self._position
            size = left if size is None or size < 0 else min(size, left)
            if size <= 0:
                return b""
            with self.held_open() as fd:
                data = os.pread(fd, size, self._position)
            self._position += len(data)
            return data

    def write(self, data: bytes) -> int:
        with self.held_open() as fd:
            view = memoryview(data).cast("B")
            total = len(view)
            while view:
                written = os.pwrite(fd, view, self._position)
                self._position += written
                view = view[written:]
            self._length = max(self._length, self._position)
            return total

    def truncate(self, size: int | None = None) -> int:
        with self.held_open() as fd:
            size = self._position if size is None else size
            os.ftruncate(fd, size)
            self._length = size
            return size

    def close(self) -> None:
        """Remove the body (LocalStack closes an object's file when the object is deleted)."""
        with self.position_lock:
            self._removed = True
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


class DiskS3StoredObject(EphemeralS3StoredObject):
    """LocalStack's stored object over an ObjectFile: a write or a multipart assembly opens the
    file once for all its chunks, not once per chunk."""

    file: ObjectFile

    def write(self, stream) -> int:
        with self.file.held_open():
            return super().write(stream)

    def append(self, part: EphemeralS3StoredObject) -> int:
        with self.file.held_open():
            return super().append(part)

    def truncate(self, size: int | None = None) -> int:
        with self.file.held_open():
            return super().truncate(size)


class DiskS3StoredMultipart(EphemeralS3StoredMultipart):
    parts: dict[int, ObjectFile]

    def open(self, s3_part: S3Part, mode: Literal["r", "w"] = "r") -> DiskS3StoredObject:
        file = self.parts.get(s3_part.part_number)
        if file is None:
            # setdefault: two uploads of one part number at once share one file, as in S3 the
            # last one wins (nothing is on disk until the first write, so the loser leaves none).
            file = self.parts.setdefault(
                s3_part.part_number, ObjectFile(new_file_in(self.upload_dir))
            )
        return DiskS3StoredObject(s3_part, file, mode=mode)


class DiskS3ObjectStore(EphemeralS3ObjectStore):
    """LocalStack's object store, its files under root_directory/<bucket>/ (multipart parts in
    root_directory/<bucket>/<upload id>/). close() and reset() remove every body, as
    LocalStack's do."""

    def __init__(self, root_directory: str) -> None:
        os.makedirs(root_directory, exist_ok=True)
        super().__init__(root_directory)

    def open(
        self, bucket: str, s3_object: S3Object, mode: Literal["r", "w"] = "r"
    ) -> DiskS3StoredObject:
        keys = self._filesystem[bucket]["keys"]
        key = self._key_from_s3_object(s3_object)
        file = keys.get(key)
        if file is None:
            bucket_directory = os.path.join(self.root_directory, bucket)
            file = keys.setdefault(key, ObjectFile(new_file_in(bucket_directory)))
        return DiskS3StoredObject(s3_object=s3_object, file=file, mode=mode)

    def get_multipart(self, bucket: str, s3_multipart) -> DiskS3StoredMultipart:
        with self._lock_multipart_create:
            if not (multipart := self._get_multipart(bucket, s3_multipart.id)):
                upload_dir = self._create_upload_directory(bucket, s3_multipart.id)
                multipart = DiskS3StoredMultipart(self, bucket, s3_multipart, upload_dir)
                self._filesystem[bucket]["multiparts"][s3_multipart.id] = multipart
        return multipart

    @staticmethod
    def _key_from_s3_object(s3_object: S3Object) -> tuple[str, str]:
        # LocalStack keys by hash(key + version): two keys of one hash would share a body.
        return s3_object.key, s3_object.version_id or "null"
