"""Which container Fargate's memory limits kill, from each container's resident memory."""

from __future__ import annotations

from localcloud.ecs.memory_limit import MIB, limit_bytes, over_limit


def test_a_task_definitions_memory_is_in_mib_as_text_or_a_number():
    assert limit_bytes("512") == limit_bytes(512) == 512 * MIB
    assert limit_bytes(None) is None


def test_a_container_over_its_own_hard_limit_is_killed_first():
    resident = {"main": 200 * MIB, "sidecar": 20 * MIB}
    limits = {"main": None, "sidecar": 16 * MIB}
    assert over_limit(resident, limits, task_limit=512 * MIB) == "sidecar"


def test_containers_together_over_the_task_limit_lose_the_largest():
    resident = {"main": 400 * MIB, "sidecar": 150 * MIB}
    assert over_limit(resident, {"main": None, "sidecar": None}, 512 * MIB) == "main"


def test_containers_within_their_limits_are_left_alone():
    resident = {"main": 400 * MIB, "sidecar": 100 * MIB}
    assert over_limit(resident, {"main": 450 * MIB, "sidecar": None}, 512 * MIB) is None
    assert over_limit(resident, {}, None) is None
