"""The README's bash blocks, as a newcomer copies them: each block the README marks with
`<!-- readme-test: <name> -->` is run in bash after the block marked `prelude` (the shell set-up
every example names), at the repository's root, with a deadline.

A bash block the README does not want run says so and why: `<!-- readme-test: skip (why) -->`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

PROJECT = Path(__file__).resolve().parents[2]
README = PROJECT / "README.md"
MARKER = re.compile(r"^<!--\s*readme-test:\s*(?P<name>[\w-]+)(?P<why>.*?)-->\s*$")
PRELUDE = "prelude"
SKIP = "skip"


@dataclass(frozen=True)
class Block:
    name: str | None  # the marker's name; None when the block has no marker
    line: int  # the fence's line in the README, counted from 1
    code: str
    why: str = ""  # a skipped block's reason


def bash_blocks(text: str | None = None) -> list[Block]:
    """Every bash block of the README, with the marker just before it (if any)."""
    tokens = MarkdownIt().parse(README.read_text() if text is None else text)
    blocks, marker = [], None
    for token in tokens:
        if token.type == "html_block":
            marker = MARKER.match(token.content.strip())
            continue
        if token.type == "fence" and token.info.strip() in ("bash", "sh"):
            name, why = (marker["name"], marker["why"].strip()) if marker else (None, "")
            blocks.append(Block(name, token.map[0] + 1, token.content, why))
        marker = None
    return blocks


def block(name: str, text: str | None = None) -> Block:
    found = [b for b in bash_blocks(text) if b.name == name]
    assert len(found) == 1, f"the README has {len(found)} bash blocks marked readme-test: {name}"
    return found[0]


def run_block(name: str, deadline_s: float, text: str | None = None) -> str:
    """Run the prelude, then the block, as one bash script that stops at the first failing
    command; its output. Fails (AssertionError) when the script fails or outlives the deadline."""
    script = "\n".join(["set -euo pipefail", block(PRELUDE, text).code, block(name, text).code])
    # A session of its own, so that at the deadline its children (curl, sleep, make) go too.
    with subprocess.Popen(
        ["bash", "-c", script],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as ran:
        try:
            output, errors = ran.communicate(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            os.killpg(ran.pid, signal.SIGKILL)
            output, errors = ran.communicate()
            raise AssertionError(
                f"README block {name!r} still ran after {deadline_s:.0f} s\n"
                f"--- output ---\n{output}\n--- errors ---\n{errors}"
            ) from None
    assert ran.returncode == 0, (
        f"README block {name!r} failed (exit status {ran.returncode})\n"
        f"--- output ---\n{output}\n--- errors ---\n{errors}"
    )
    return output
