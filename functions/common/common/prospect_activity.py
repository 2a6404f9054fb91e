"""The prospect-activity CSV's columns: a report's rows, and an import's, so that a report
re-imports as the same rows. The importer image (containers/importer) carries its own copy,
held to this one by a unit test."""

COLUMNS = (
    "occurredAt",
    "prospectId",
    "prospectName",
    "prospectEmail",
    "channel",
    "eventType",
    "country",
)
