"""The marker tests' log reader: it leaves out the Lambda platform's own lines (ids, versions,
timings), where a duration can equal a marker by chance, and keeps every line a function wrote."""

from support.privacy import markers_in, written_by_functions

INVOCATION = (
    "INIT_START Runtime Version: python:3.13.v1\tRuntime Version ARN: arn:aws:lambda:x\n"
    "START RequestId: 1f2e Version: $LATEST\n"
    '{"level":"INFO","message":"sub-report written","rows":12}\n'
    "END RequestId: 1f2e\n"
    "REPORT RequestId: 1f2e\tDuration: 83.17 ms\tBilled Duration: 84 ms\t"
    "Memory Size: 512 MB\tMax Memory Used: 91 MB\tInit Duration: 602.98 ms\t\n"
)


def test_a_timing_of_the_platform_is_not_taken_for_a_marker():
    assert markers_in(written_by_functions(INVOCATION), ["83.17", "602.98", "91"]) == []


def test_every_line_a_function_wrote_is_kept():
    leaked = INVOCATION.replace('"rows":12', '"rate":"83.17"')
    text = written_by_functions(leaked)
    assert markers_in(text, ["83.17"]) == ["83.17"]
    assert "sub-report written" in text


def test_a_function_line_that_merely_mentions_a_request_id_is_kept():
    line = "payroll START RequestId: 83.17 is not the platform's"
    assert written_by_functions(line) == line
