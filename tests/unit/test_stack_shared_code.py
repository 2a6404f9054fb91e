"""A local deploy hands sam deploy zips it made: one per build SAM made (functions SAM built as
one share one), the same bytes from the same files; the rest of the template stays as SAM built
it."""

from __future__ import annotations

import os
import textwrap
import zipfile
from pathlib import Path

import pytest

from devkit import stack

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
    for folder in ["PayrollStartFunction", "PayrollProcessDataFunction", "HealthFunction"]:
        (build / folder / "pkg").mkdir(parents=True)
        (build / folder / "pkg" / "app.py").write_text("print('same code')\n")
    (build / "CommonLayer" / "python").mkdir(parents=True)
    (build / "CommonLayer" / "python" / "common.py").write_text("shared = True\n")
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


def test_functions_built_as_one_share_one_zip(build_dir):
    # GIVEN a build where two functions share one build definition
    # WHEN the template for the local deploy is made
    shared = stack.shared_code_template(build_dir)

    # THEN every function and the layer point at a zip beside the template, payroll's two at
    # the same one, and no other line changed
    assert shared.parent == build_dir
    assert code_uris(shared) == [
        "PayrollStartFunction.zip",
        "PayrollStartFunction.zip",
        "HealthFunction.zip",
        "CommonLayer.zip",
    ]
    changed = [
        before
        for before, after in zip(
            BUILT_TEMPLATE.splitlines(), shared.read_text().splitlines(), strict=True
        )
        if before != after
    ]
    assert len(changed) == 4
    assert all("CodeUri:" in line or "ContentUri:" in line for line in changed)
    # AND the built template itself is left as SAM wrote it
    assert (build_dir / "template.yaml").read_text() == BUILT_TEMPLATE


def test_a_zip_holds_the_folder_as_the_runtime_reads_it(build_dir):
    # GIVEN a function whose file is executable
    app = build_dir / "HealthFunction" / "pkg" / "app.py"
    app.chmod(0o755)

    # WHEN the template for the local deploy is made
    stack.shared_code_template(build_dir)

    # THEN its zip holds the file at its path in the folder, with its content and permissions
    with zipfile.ZipFile(build_dir / "HealthFunction.zip") as archive:
        assert archive.namelist() == ["pkg/app.py"]
        assert archive.read("pkg/app.py") == app.read_bytes()
        assert archive.getinfo("pkg/app.py").external_attr >> 16 & 0o777 == 0o755


def test_the_same_files_make_the_same_zip(build_dir):
    # GIVEN a zip made from a build
    stack.shared_code_template(build_dir)
    first = (build_dir / "PayrollStartFunction.zip").read_bytes()

    # WHEN the build is made again (same files, new modification times)
    for path in (build_dir / "PayrollStartFunction").rglob("*"):
        os.utime(path, (1_900_000_000, 1_900_000_000))
    stack.shared_code_template(build_dir)

    # THEN the zip is byte for byte the same (same S3 key: a redeploy leaves the function alone)
    assert (build_dir / "PayrollStartFunction.zip").read_bytes() == first


def test_folders_that_differ_get_zips_of_their_own(build_dir):
    # GIVEN a build whose shared functions' folders do not hold the same files
    (build_dir / "PayrollProcessDataFunction" / "pkg" / "extra.py").write_text("x = 1\n")

    # WHEN the template for the local deploy is made
    shared = stack.shared_code_template(build_dir)

    # THEN every function gets a zip of its own folder
    assert code_uris(shared) == [
        "PayrollStartFunction.zip",
        "PayrollProcessDataFunction.zip",
        "HealthFunction.zip",
        "CommonLayer.zip",
    ]


def test_a_build_without_its_graph_shares_nothing(build_dir):
    # GIVEN a build folder without SAM's build.toml beside it
    (build_dir.parent / "build.toml").unlink()

    # WHEN the template for the local deploy is made THEN each function has its own zip
    shared = stack.shared_code_template(build_dir)
    assert code_uris(shared)[:2] == ["PayrollStartFunction.zip", "PayrollProcessDataFunction.zip"]
