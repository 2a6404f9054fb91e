"""S3 object bodies kept on disk, not in LocalStack's memory.

LocalStack's S3 provider stores each object's body (and each part of a multipart upload) in a
SpooledTemporaryFile of 512 KiB: a body under that size stays in the process's memory for as
long as the object exists, one above it goes to an anonymous temporary file that holds an open
descriptor for as long (and in a folder fixed at /tmp/localstack-s3-storage, shared by every
instance on the machine). Measured with the payroll benchmark (bench/payroll.py, 10,000
employees) on a 2-core machine: the paystubs bucket ends with 11,043 objects of 786 MiB, every
one under 512 KiB, and LocalStack's own process grew by 612 MiB during the run (1,015 to
1,627 MiB PSS), to a peak of 2,170 MiB for the local cloud with its Lambda processes; the
benchmark's goal is 1,536 MiB. A run stored 200 objects of 513 KiB: LocalStack's open
descriptors went from 9 to 209.

The provider is given an object store (s3_disk_store.py) whose bodies are files under this
instance's own state folder (FILESYSTEM_ROOT, .local-cloud/<port>/state/, which cloud.py wipes at
every start and `make clean` removes), in s3-objects/<bucket>/. A file is opened only while a
request reads or writes it. Deleting an object, aborting or completing a multipart upload,
deleting a bucket or a clean stop removes the files, as LocalStack frees its spooled files then
(what a killed instance leaves goes at the next start). GetObject (whole, ranged, by part
number), multipart uploads, copies, versions, ETags and checksums are LocalStack's own code over
the new files.

Measured with the same benchmark on the same machine (shared with other work), two runs
without the plugin and three with this store: LocalStack's process grew by 40 to 60 MiB during
the run instead of 612 to 630, and the peak was 1,525 to 1,607 MiB instead of 2,168 to 2,170.
What remains is LocalStack's own 1,000 MiB or so once the stack is deployed (before the run
starts) and the Lambda processes' 520 MiB. End-to-end throughput was 28.8 to 42.0 paystubs/s
with the store and 33.1 to 33.7 without, within the machine's noise; a file operation is a
system call that lets the GIL go (about 0.3 ms more per 80 KB PUT than into memory, alone).
"""

from __future__ import annotations

import os
from pathlib import Path

from localcloud.support.patching import patch_plugin, refuse_unless_present

FOLDER = "s3-objects"


def objects_folder() -> Path:
    """Where this instance keeps S3 bodies: under its state folder (cloud.py sets
    FILESYSTEM_ROOT for each port), else under LocalStack's own temporary folder."""
    from localstack import config

    return Path(os.environ.get("FILESYSTEM_ROOT") or config.dirs.tmp) / FOLDER


@patch_plugin(
    "localstack.services.s3.provider",
    requires=("EphemeralS3ObjectStore", "DEFAULT_S3_TMP_DIR", "S3Provider.__init__"),
)
def keep_s3_objects_on_disk(provider) -> None:
    from localstack.services.s3.storage import ephemeral

    refuse_unless_present(
        ephemeral,
        (
            "EphemeralS3ObjectStore.open",
            "EphemeralS3ObjectStore.get_multipart",
            "EphemeralS3ObjectStore._key_from_s3_object",
            "EphemeralS3ObjectStore._get_multipart",
            "EphemeralS3ObjectStore._create_upload_directory",
            "EphemeralS3StoredMultipart.open",
            "EphemeralS3StoredObject.write",
            "EphemeralS3StoredObject.append",
            "EphemeralS3StoredObject.truncate",
        ),
    )
    from localcloud.memory.s3_disk_store import DiskS3ObjectStore

    # S3Provider() builds its store as EphemeralS3ObjectStore(DEFAULT_S3_TMP_DIR), both
    # looked up in the module when the provider is made (just after this import).
    provider.EphemeralS3ObjectStore = DiskS3ObjectStore
    provider.DEFAULT_S3_TMP_DIR = str(objects_folder())
