"""make inspect's errors speak plainly: the console's error page as its message, without the
page's style sheet or markup (devkit.console_client)."""

from __future__ import annotations

from devkit.console_client import plain_message
from localcloud.console.page import error_page


def test_an_error_page_reads_as_its_message():
    # GIVEN the page the console answers for an execution it does not have
    page = error_page("ExecutionDoesNotExist: Execution Does Not Exist: 'arn:aws:states:x' & co")
    # THEN make inspect's message is the sentence alone
    assert plain_message(page) == (
        "ExecutionDoesNotExist: Execution Does Not Exist: 'arn:aws:states:x' & co"
    )


def test_a_page_without_an_error_paragraph_loses_its_style_and_markup():
    page = "<html><head><style>body { color: red }</style></head><body><h1>Gone</h1></body>"
    assert plain_message(page) == "Gone"
