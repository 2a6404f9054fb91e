"""Every bash block of the README is run by a test, or says why not (support.readme)."""

from __future__ import annotations

import pytest

from support.readme import PRELUDE, PROJECT, SKIP, bash_blocks, run_block


def test_every_bash_block_is_run_or_says_why_not():
    for block in bash_blocks():
        assert block.name, f"README.md:{block.line}: a bash block without a readme-test marker"
        if block.name == SKIP:
            assert block.why.strip("() "), f"README.md:{block.line}: skipped without a reason"


def test_each_marked_block_has_its_end_to_end_test():
    names = {b.name for b in bash_blocks() if b.name} - {PRELUDE, SKIP}
    for name in names:
        test = PROJECT / "tests" / "e2e" / name / "test_readme_block.py"
        assert test.exists(), f"README block {name!r} is run by no {test.relative_to(PROJECT)}"
        assert f'run_block("{name}"' in test.read_text()


README = """
<!-- readme-test: prelude -->
```bash
GREETING=hello
```

<!-- readme-test: greet -->
```bash
echo "$GREETING, reader"
false   # a command that has rotted
echo never
```
"""


def test_a_block_that_fails_fails_its_test():
    # GIVEN a block whose second command fails WHEN it runs THEN its test fails, naming it
    with pytest.raises(AssertionError, match="README block 'greet' failed") as failed:
        run_block("greet", deadline_s=30, text=README)
    assert "hello, reader" in str(failed.value) and "never" not in str(failed.value)


def test_a_block_that_hangs_fails_at_its_deadline():
    hanging = README.replace("false   # a command that has rotted", "sleep 600")
    with pytest.raises(AssertionError, match="still ran after 1 s"):
        run_block("greet", deadline_s=1, text=hanging)
