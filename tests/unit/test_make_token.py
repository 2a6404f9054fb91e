"""`make token` needs only the tools' environment (the issuer makes its key when it is missing):
the README's blocks call it for every token, and the local cloud's set-up check it ran each
time cost most of a second."""

from __future__ import annotations

import subprocess

from devkit.local_cloud import PROJECT


def test_make_token_runs_the_issuer_and_no_set_up():
    # WHEN make says what `make token` runs (without running it)
    planned = subprocess.run(
        ["make", "-n", "token", "ROLE=reviewer", "USER=rita"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # THEN it is the issuer's token command, and not the local cloud's set-up
    assert "issuer token" in planned
    assert "cloud.py setup" not in planned
