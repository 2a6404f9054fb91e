"""Rejected records hold raw, possibly personal data: the bucket keeps them for a limited time."""

from __future__ import annotations

from support.template import load_template, resource_properties

RETENTION = "PreScreeningRejectedApplicationsRetentionDays"


def test_rejected_records_expire_after_the_retention_parameter():
    # GIVEN the rejected-applications bucket as the template declares it
    rules = resource_properties("PreScreeningRejectedApplicationsBucket")["LifecycleConfiguration"][
        "Rules"
    ]
    # WHEN its lifecycle rules are read
    expiring = [
        rule
        for rule in rules
        if rule["Status"] == "Enabled" and "Prefix" not in rule and "Filter" not in rule
    ]
    # THEN every object (no prefix, no filter) expires after the parameter's days
    assert [rule.get("ExpirationInDays") for rule in expiring if "ExpirationInDays" in rule] == [
        RETENTION
    ]


def test_the_retention_defaults_to_thirty_days():
    parameter = load_template()["Parameters"][RETENTION]
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 30
    assert parameter["MinValue"] >= 1
