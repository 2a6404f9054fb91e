"""The local deploy zips the code SAM built once for several functions once: those functions
point at one folder in the template handed to sam deploy, the rest stays as SAM built it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import stack

BUILT_TEMPLATE = textwrap.dedent(
    """\
    Resources:
      PayrollStartFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: PayrollStartFunction
          Handler: payroll.handlers.start_payroll.handler
      PayrollProcessDataFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: PayrollProcessDataFunction
          Handler: payroll.handlers.process_data.handler
      HealthFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: HealthFunction
      CommonLayer:
        Type: AWS::Serverless::LayerVersion
        Properties:
          ContentUri: CommonLayer
    """
)


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    """A SAM build: payroll's two functions built as one, health on its own."""
    build = tmp_path / ".aws-sam" / "build"
    for function in ["PayrollStartFunction", "PayrollProcessDataFunction", "HealthFunction"]:
        (build / function / "pkg").mkdir(parents=True)
        (build / function / "pkg" / "app.py").write_text("print('same code')\n")
    (build / "template.yaml").write_text(BUILT_TEMPLATE)
    (build.parent / "build.toml").write_text(
        textwrap.dedent(
            """\
            [function_build_definitions.a]
            codeuri = "functions/payroll"
            functions = ["PayrollStartFunction", "PayrollProcessDataFunction"]

            [function_build_definitions.b]
            codeuri = "functions/health"
            functions = ["HealthFunction"]
            """
        )
    )
    return build


def code_uris(template: Path) -> list[str]:
    return [
        line.split(":", 1)[1].strip()
        for line in template.read_text().splitlines()
        if line.strip().startswith(("CodeUri:", "ContentUri:"))
    ]


def test_functions_built_as_one_point_at_one_folder(build_dir):
    # GIVEN a build where two functions share one build definition
    # WHEN the template for the local deploy is made
    shared = stack.shared_code_template(build_dir)

    # THEN the second points at the first one's folder, beside the built template, and no
    # other line changed
    assert shared.parent == build_dir
    changed = [
        (before, after)
        for before, after in zip(
            BUILT_TEMPLATE.splitlines(), shared.read_text().splitlines(), strict=True
        )
        if before != after
    ]
    assert changed == [
        ("      CodeUri: PayrollProcessDataFunction", "      CodeUri: PayrollStartFunction")
    ]
    # AND the built template itself is left as SAM wrote it
    assert (build_dir / "template.yaml").read_text() == BUILT_TEMPLATE


def test_folders_that_differ_are_deployed_as_built(build_dir):
    # GIVEN a build whose shared functions' folders do not hold the same files
    (build_dir / "PayrollProcessDataFunction" / "pkg" / "extra.py").write_text("x = 1\n")

    # WHEN the template for the local deploy is made
    shared = stack.shared_code_template(build_dir)

    # THEN every function keeps its own folder
    assert code_uris(shared) == code_uris(build_dir / "template.yaml")


def test_a_build_without_its_graph_is_deployed_as_built(build_dir):
    # GIVEN a build folder without SAM's build.toml beside it
    (build_dir.parent / "build.toml").unlink()

    # WHEN the template for the local deploy is made THEN it is the built one
    shared = stack.shared_code_template(build_dir)
    assert shared.read_text() == BUILT_TEMPLATE
