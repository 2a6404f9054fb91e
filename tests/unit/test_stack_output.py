"""Build and deploy say little by default: SAM's own output (upload progress, change-set table,
outputs, "Commands you can use next") is kept, shown only when it fails or with VERBOSE=1, and a
deploy sums up its change set (devkit.stack)."""

from __future__ import annotations

import sys
import textwrap

import pytest

from devkit import stack

SAM_SAYS = "Build Succeeded\nCommands you can use next\n  sam local invoke\n  sam deploy --guided"
PRINTS = [sys.executable, "-c", f"print({SAM_SAYS!r})"]
FAILS = [sys.executable, "-c", "print('Error: template is not valid'); raise SystemExit(1)"]

CHANGE_SET = textwrap.dedent(
    """\
    CloudFormation stack changeset
    -------------------------------------------------------------------------------------
    Operation                LogicalResourceId        ResourceType             Replacement
    -------------------------------------------------------------------------------------
    + Add                    ReportsSweepRule         AWS::Events::Rule        N/A
    + Add                    ReportsSweepPermission   AWS::Lambda::Permission  N/A
    * Modify                 PayrollWorkflow          AWS::CloudFormation::Sta True
    - Delete                 OldQueue                 AWS::SQS::Queue          N/A
    -------------------------------------------------------------------------------------
    """
)


def test_a_quiet_run_keeps_sams_output_to_itself(capfd):
    said = stack.run_sam(PRINTS, env={}, quiet=True)
    assert "Commands you can use next" in said
    assert capfd.readouterr().out == ""


def test_a_quiet_run_that_fails_shows_what_sam_said(capfd):
    with pytest.raises(stack.SamError, match="failed"):
        stack.run_sam(FAILS, env={}, quiet=True)
    assert "Error: template is not valid" in capfd.readouterr().out


def test_verbose_shows_sams_output_as_it_comes(monkeypatch, capfd):
    monkeypatch.setenv("VERBOSE", "1")
    assert stack.verbose()
    stack.run_sam(PRINTS, env={}, quiet=not stack.verbose())
    assert "Commands you can use next" in capfd.readouterr().out


def test_a_deploy_sums_up_its_change_set():
    assert stack.changes_made(CHANGE_SET) == "2 added, 1 modified, 1 deleted"
    assert stack.changes_made("No changes to deploy. Stack is up to date") == "nothing changed"
