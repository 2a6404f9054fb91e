"""Pure rules: input validation, the sum and the doubling limits."""

import pytest

from approval.logic.calculation import add, double
from approval.logic.validation import validate_request
from approval.models import NumberIsTooBig


def test_two_integers_are_valid_and_take_the_configured_timeout():
    # GIVEN x and y as integers, no timeout asked for
    # WHEN the request is validated
    validation = validate_request({"x": 125, "y": 122}, max_timeout_seconds=600)
    # THEN it is valid with the configured timeout
    assert validation.valid
    assert validation.as_output() == {
        "valid": True,
        "calculation": {"x": 125, "y": 122, "approvalTimeoutSeconds": 600},
        "problems": [],
    }


@pytest.mark.parametrize(
    ("request_body", "problem"),
    [
        ({"y": 1}, "x: Field required"),
        ({"x": 1}, "y: Field required"),
        ({"x": "1", "y": 2}, "x: Input should be a valid integer"),
        ({"x": 1.5, "y": 2}, "x: Input should be a valid integer"),
        ({"x": 1, "y": True}, "y: Input should be a valid integer"),
        ({"x": 1, "y": None}, "y: Input should be a valid integer"),
    ],
)
def test_missing_or_non_integer_numbers_are_named(request_body, problem):
    # GIVEN a request with a missing or non-integer number
    # WHEN it is validated
    validation = validate_request(request_body, max_timeout_seconds=600)
    # THEN it is invalid and the problem says which number and why
    assert not validation.valid
    assert problem in validation.problems


def test_both_problems_are_reported_together():
    validation = validate_request({"x": "a"}, max_timeout_seconds=600)
    assert validation.problems == ["x: Input should be a valid integer", "y: Field required"]


def test_a_non_object_input_is_invalid():
    validation = validate_request([1, 2], max_timeout_seconds=600)
    assert not validation.valid
    assert validation.as_output()["calculation"] is None


def test_a_shorter_timeout_may_be_asked_for():
    validation = validate_request({"x": 1, "y": 2, "approvalTimeoutSeconds": 5}, 600)
    assert validation.calculation is not None
    assert validation.calculation.approval_timeout_seconds == 5


@pytest.mark.parametrize("timeout", [0, 601, -1, "5", 2.5])
def test_a_timeout_out_of_bounds_or_not_whole_is_refused(timeout):
    validation = validate_request({"x": 1, "y": 2, "approvalTimeoutSeconds": timeout}, 600)
    assert not validation.valid
    assert any("approvalTimeoutSeconds" in problem for problem in validation.problems)


def test_a_sum_of_250_is_accepted():
    assert add(125, 125) == 250


def test_a_sum_over_250_is_too_big():
    with pytest.raises(NumberIsTooBig, match="125 \\+ 126 = 251"):
        add(125, 126)


def test_negative_numbers_add_up():
    assert add(-300, 40) == -260


def test_a_doubled_number_under_500_is_accepted():
    doubling = double(249)
    assert (doubling.doubled, doubling.accepted) == (498, True)


def test_a_doubled_number_of_500_is_refused_with_a_reason():
    doubling = double(250)
    assert (doubling.doubled, doubling.accepted) == (500, False)
    assert doubling.refusal == "250 doubled is 500, which is 500 or more"
