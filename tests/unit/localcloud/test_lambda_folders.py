"""A function's own /tmp covers the host's: what a hot-reload overlay's links lead to there (a
working tree under /tmp) is kept, so the function still finds its code."""

from __future__ import annotations

from localcloud.lambda_host.bootstrap import linked_sources


def test_the_targets_of_a_code_overlays_and_a_layers_links_are_needed(tmp_path):
    # GIVEN a function overlay and a layer overlay (python/) linking into a working tree
    tree, code, layer = tmp_path / "tree", tmp_path / "code", tmp_path / "layer"
    (tree / "greet").mkdir(parents=True)
    (tree / "greet" / "greet.py").write_text("")
    (tree / "greeting").mkdir()
    code.mkdir()
    (layer / "python").mkdir(parents=True)
    (code / "greet.py").symlink_to(tree / "greet" / "greet.py")
    (code / "__pycache__").mkdir()  # the interpreter's own, not a link
    (layer / "python" / "greeting").symlink_to(tree / "greeting")
    # WHEN the folders the function reads are listed THEN the links' targets are
    assert sorted(linked_sources(str(code), str(layer))) == sorted(
        [str(tree / "greet" / "greet.py"), str(tree / "greeting")]
    )


def test_a_deployed_package_links_nothing(tmp_path):
    (tmp_path / "app.py").write_text("")
    assert linked_sources(str(tmp_path)) == []
