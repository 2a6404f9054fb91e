"""make bench BENCH=peers: its table puts each figure of this project beside the peer's, with
the ratio this/peer, and shows "-" where one side has no figure."""

from __future__ import annotations

import importlib.util
import sys

from devkit import PROJECT

_spec = importlib.util.spec_from_file_location("peers_bench", PROJECT / "bench" / "peers.py")
peers = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = peers  # its dataclasses look their module up
_spec.loader.exec_module(peers)


def _row(table: str, figure) -> list[str]:
    line = next(line for line in table.splitlines() if line.startswith(figure.label))
    return line[peers.LABEL_WIDTH :].split()


def test_each_figure_is_beside_the_peers_with_the_ratio_this_over_peer():
    # GIVEN this project twice as fast as the peer on SQS, and four times its S3 throughput
    this = {peers.SQS: 3.0, peers.S3_PUT: 2400.0}
    peer = {peers.SQS: 6.0, peers.S3_PUT: 600.0}

    # WHEN the table is made
    table = peers.side_by_side(this, peer, "MiniStack")

    # THEN each row shows both figures and this/peer
    assert table.splitlines()[0].split() == ["figure", "this", "MiniStack", "this/peer"]
    assert _row(table, peers.SQS) == ["3.0", "6.0", "0.50"]
    assert _row(table, peers.S3_PUT) == ["2,400", "600.0", "4.00"]


def test_a_figure_one_side_lacks_shows_a_dash_and_no_ratio():
    # GIVEN a figure the peer could not give (and one of zero, which has no ratio)
    this = {peers.MAP_OF_100: 120.0, peers.STOP: 0.5}
    peer = {peers.STOP: 0.0}

    # WHEN the table is made
    table = peers.side_by_side(this, peer, "MiniStack")

    # THEN the missing side and the ratio are "-", and every figure has its row
    assert _row(table, peers.MAP_OF_100) == ["120.0", "-", "-"]
    assert _row(table, peers.STOP) == ["0.5", "0.0", "-"]
    assert len(table.splitlines()) == 1 + len(peers.FIGURES)
