"""An import is one version of one object `imports/<organisationId>/<name>.csv[.gz]`: its id
(and execution name) comes from bucket, key and version, so S3 delivering the event twice, or
the same version seen again, starts nothing new."""

from __future__ import annotations

import re
import uuid

# A fixed namespace: the same object version always has the same import id.
IMPORTS_NAMESPACE = uuid.UUID("5f1f7a8e-3c1b-4d7e-9a51-0e4b7d2c9f10")
IMPORT_KEY = re.compile(r"imports/(?P<organisation>[A-Za-z0-9_-]{1,64})/[^/]+\.csv(\.gz)?\Z")


class NotAnImport(ValueError):
    """The object is not where imports go (names the rule, never the key's content)."""


def import_id(bucket: str, key: str, version: str) -> str:
    return str(uuid.uuid5(IMPORTS_NAMESPACE, f"{bucket}/{key}#{version}"))


def organisation_of(key: str) -> str:
    match = IMPORT_KEY.match(key)
    if match is None:
        raise NotAnImport("an import is imports/<organisationId>/<name>.csv or .csv.gz")
    return match["organisation"]
