"""DynamoDB's Time to Live, run on the local cloud's clock, which the functions writing the
expiry times run on too (localcloud.clock.processes).

moto stores a table's TTL setting and never deletes anything. Here a thread looks every
LOOK_EVERY_SECONDS (once DynamoDB has been used) at each table whose TTL is enabled and deletes
the items whose TTL attribute, a Number of epoch seconds, the clock has passed, as the TTL
service does: an item whose attribute is not a Number, or more than five years in the past, is
left alone, and the stream's REMOVE record names the service as its user (GetRecords'
`userIdentity` `{"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}`; a Lambda event
spells it `type`/`principalId`, which LocalStack's event source mapping does not rewrite). AWS
deletes expired items within a few days; here at the next look, so an advance of the clock past
an item's expiry removes it within seconds.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from localstack.runtime import hooks

from localcloud.clock.clock import CLOCK

LOG = logging.getLogger(__name__)
LOOK_EVERY_SECONDS = 1.0
FIVE_YEARS = 5 * 365 * 86400
TTL_SERVICE = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


@hooks.on_infra_start()
def expire_dynamodb_items() -> None:
    threading.Thread(target=_loop, name="localcloud-dynamodb-ttl", daemon=True).start()


def _loop() -> None:
    while True:
        time.sleep(LOOK_EVERY_SECONDS)
        if "moto.dynamodb.models" not in sys.modules:
            continue  # DynamoDB not used yet
        try:
            _expire(CLOCK.time())
        except Exception:
            LOG.exception("dynamodb ttl: expiring items failed")


def _tables():
    from moto.dynamodb.models import dynamodb_backends

    for regions in list(dynamodb_backends.values()):
        for backend in list(regions.values()):
            yield from list(backend.tables.values())


def _expire(now: float) -> None:
    from localcloud.aws_behaviours.providers import ITEM_OPERATIONS  # loaded with DynamoDB

    for table in _tables():
        ttl = getattr(table, "ttl", None) or {}
        if ttl.get("TimeToLiveStatus") != "ENABLED" or not ttl.get("AttributeName"):
            continue
        with ITEM_OPERATIONS:
            for item in [i for i in _items(table) if _expired(i, ttl["AttributeName"], now)]:
                table.delete_item(item.hash_key, item.range_key)
                if table.stream_shard is not None:
                    table.stream_shard.items[-1].record["userIdentity"] = dict(TTL_SERVICE)


def _items(table):
    for value in list(table.items.values()):
        yield from list(value.values()) if isinstance(value, dict) else [value]


def _expired(item, attribute: str, now: float) -> bool:
    value = item.attrs.get(attribute)
    if value is None or value.type != "N":
        return False
    expires = float(value.value)
    return now - FIVE_YEARS <= expires <= now
