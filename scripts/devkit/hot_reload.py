"""The folders hot-reloaded functions and layers run from ("overlays"): the working tree's
sources beside the dependencies `sam build` installed, as symbolic links.

LocalStack's hot reloading (UpdateFunctionCode or PublishLayerVersion with S3Bucket
"hot-reload" and S3Key a host folder) runs a function from such a folder in place, so an edit
goes live with no zip, no upload and no CloudFormation. Only the local cloud has that bucket.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from devkit import stack_plan
from devkit.deploy_record import sync_dir, write_json

HOT_RELOAD_BUCKET = "hot-reload"  # LocalStack's BUCKET_MARKER_LOCAL default


def live_dir(stack_name: str) -> Path:
    """Where a local stack's overlays are: live/code/<folder> and live/layers/<layer>."""
    return sync_dir(stack_name) / "live"


def _meta(overlay: Path) -> Path:
    return overlay.parent / f"{overlay.name}.json"


def _refresh_overlay(overlay: Path) -> None:
    meta = json.loads(_meta(overlay).read_text())
    target = overlay / "python" if meta["layer"] else overlay
    _link_entries(target, Path(meta["source"]), Path(meta["built"]))


def _link_entries(target: Path, source: Path, built: Path) -> None:
    """target/<name> -> source/<name> for every entry of the source folder, built/<name> for the
    rest of what the build holds (the installed requirements)."""
    target.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, Path] = {}
    for folder in (built, source):  # the source's entries win
        if folder.is_dir():
            wanted.update(
                {
                    entry.name: entry
                    for entry in folder.iterdir()
                    if entry.name not in stack_plan.IGNORED_NAMES
                    and not (folder == source and entry.name == stack_plan.REQUIREMENTS)
                }
            )
    for entry in target.iterdir():
        # Only links are ours: the interpreter writes __pycache__ beside top-level modules.
        if entry.is_symlink() and os.readlink(entry) != str(wanted.get(entry.name, "")):
            entry.unlink()
    for name, path in wanted.items():
        link = target / name
        if not link.is_symlink() and not link.exists():
            link.symlink_to(path)


def refresh_overlays(stack_name: str) -> None:
    """After a deploy: the functions and layers CloudFormation left alone still run from their
    overlay, which must now link to what this build installed."""
    for meta in sorted(live_dir(stack_name).glob("*/*.json")):
        _refresh_overlay(meta.parent / meta.stem)


def make_overlay(overlay: Path, source: Path, built: Path, layer: bool) -> Path:
    """The hot-reload folder for a function (or, layer=True, a layer: its python/ folder)."""
    meta = {"source": str(source), "built": str(built), "layer": layer}
    write_json(_meta(overlay), meta)
    _refresh_overlay(overlay)
    return overlay
