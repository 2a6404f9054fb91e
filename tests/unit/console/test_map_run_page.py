"""A Map Run's page: its counts, what it tolerates, its child executions paged and linked."""

from __future__ import annotations

import datetime
import html
import urllib.parse

from localcloud.console import page

T0 = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
RUN = "arn:aws:states:us-east-1:000000000000:mapRun:reports/EachRange:run-1"
PARENT = "arn:aws:states:us-east-1:000000000000:execution:reports:report-1"


def child(number: int, status: str = "SUCCEEDED") -> dict:
    arn = f"arn:aws:states:us-east-1:000000000000:execution:reports/EachRange:child-{number}"
    return {
        "executionArn": arn,
        "name": f"child-{number}",
        "status": status,
        "startDate": T0 + datetime.timedelta(seconds=number),
        "stopDate": T0 + datetime.timedelta(seconds=number + 1),
    }


def view(children: list[dict], **run) -> dict:
    described = {
        "mapRunArn": RUN,
        "executionArn": PARENT,
        "status": "SUCCEEDED",
        "itemCounts": {"succeeded": len(children), "total": len(children)},
        "executionCounts": {"succeeded": len(children), "total": len(children)},
        "toleratedFailureCount": 0,
        "toleratedFailurePercentage": 0.0,
        **run,
    }
    return {"run": described, "childType": "EXPRESS", "children": children, "status": None}


def test_each_child_on_the_page_opens_its_execution_page():
    # GIVEN a Map Run of three children WHEN its page is drawn
    shown = html.unescape(page.map_run_page(view([child(n) for n in range(3)]), 1, 25))
    # THEN each child links to its execution page, as an Express workflow
    for n in range(3):
        link = "/_console/execution?" + urllib.parse.urlencode({"arn": child(n)["executionArn"]})
        assert f'href="{link}">child-{n}</a>' in shown
    assert shown.count("<td>EXPRESS</td>") == 3
    # AND the execution that started it is linked, and it tolerates no failure
    assert "/_console/execution?" + urllib.parse.urlencode({"arn": PARENT}) in shown
    assert "tolerated failure</dt><dd>none" in shown


def test_the_page_says_what_failure_the_run_tolerates():
    # GIVEN a Map Run tolerating 2 items or 12.5 % of them
    tolerant = view([], toleratedFailureCount=2, toleratedFailurePercentage=12.5)
    # WHEN its page is drawn THEN both are said
    assert "tolerated failure</dt><dd>2 items or 12.5 %" in page.map_run_page(tolerant, 1, 25)


def test_children_are_paged():
    # GIVEN a Map Run of 30 children, 25 a page
    children = [child(n) for n in range(30)]
    # WHEN its second page is drawn
    second = page.map_run_page(view(children), 2, 25)
    # THEN it shows the last 5, and links to both pages
    assert [n for n in range(30) if f">child-{n}</a>" in second] == list(range(25, 30))
    assert 'class="page on"' in second and ">1</a>" in second
