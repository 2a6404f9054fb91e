"""Code run in the local cloud's own Python, where LocalStack and the plugins are installed (the
tests' Python has neither; set-up made it): a test checks a plugin against LocalStack's real
objects without a thousand requests to a running instance."""

from __future__ import annotations

import json
import subprocess

import cloud


def run_in_localstack_python(script: str) -> dict:
    """What `script` prints last, a JSON object, once it has run in the local cloud's Python."""
    python = cloud.home() / "venv" / "bin" / "python"
    ran = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout.splitlines()[-1])
