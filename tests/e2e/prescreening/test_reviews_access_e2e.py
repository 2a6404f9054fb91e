"""Who may call what, on the deployed stack over real HTTP: the reviews API needs a reviewer's
token from the issuer the stack trusts, and a refused call changes nothing; a burst of public
submissions past the throttle gets 429."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from devkit import local_issuer
from devkit.local_cloud import client, clock_time, endpoint, wait_until
from prescreening.sandbox import sample_submission
from support.tokens import bearer

pytestmark = pytest.mark.localcloud
HTTP_TIMEOUT = 30


@pytest.fixture(scope="module")
def referral(stack_outputs, api, reviewer) -> str:
    """An application waiting for a person; declined by a reviewer once the tests are done."""
    submitted = requests.post(
        f"{api}/applications", json=sample_submission("refer"), timeout=HTTP_TIMEOUT
    )
    assert submitted.status_code == 202, submitted.text
    application_id = submitted.json()["applicationId"]
    wait_until(
        lambda: application_id in pending_ids(api, reviewer),
        timeout=90,
        interval=0.5,
        what=f"the referral of {application_id}",
    )
    yield application_id
    answer = requests.post(
        f"{api}/reviews/{application_id}",
        json={"outcome": "decline"},
        headers=reviewer,
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 200, answer.text


def pending_ids(api: str, headers: dict[str, str]) -> set[str]:
    response = requests.get(f"{api}/reviews", headers=headers, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    return {review["applicationId"] for review in response.json()["reviews"]}


def local_token(key=None, **overrides) -> str:
    """A token like the local issuer's, with any part changed."""
    options = {
        "subject": "mallory",
        "roles": ["reviewer"],
        "issuer": local_issuer.issuer(endpoint()),
        "now": clock_time(),
    } | overrides
    return local_issuer.mint(key or local_issuer.signing_key(), **options)


REFUSED_TOKENS = {
    "signed by another key": lambda: local_token(local_issuer.new_key()),
    "expired": lambda: local_token(now=clock_time() - 7200),
    "without the reviewer role": lambda: local_token(roles=["applicant"]),
    "for another audience": lambda: local_token(audience="another-api"),
    "from another issuer": lambda: local_token(issuer="https://issuer.example.com"),
}


def test_a_reviewer_with_a_token_lists_the_referrals(api, reviewer, referral):
    assert referral in pending_ids(api, reviewer)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_token_is_401(api, referral, method):
    path = "/reviews" if method == "GET" else f"/reviews/{referral}"
    response = requests.request(
        method,
        f"{api}{path}",
        json={"outcome": "approve"},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


@pytest.mark.parametrize("case", sorted(REFUSED_TOKENS))
def test_a_token_that_is_not_a_reviewers_is_403_and_changes_nothing(
    stack_outputs, api, reviewer, referral, case
):
    # GIVEN a referral waiting for a person, and a token that must not decide it
    token = REFUSED_TOKENS[case]()

    # WHEN it tries to approve the referral, and to list the referrals
    decided = requests.post(
        f"{api}/reviews/{referral}",
        json={"outcome": "approve"},
        headers=bearer(token),
        timeout=HTTP_TIMEOUT,
    )
    listed = requests.get(f"{api}/reviews", headers=bearer(token), timeout=HTTP_TIMEOUT)

    # THEN both are refused with API Gateway's 403
    assert decided.status_code == 403, decided.text
    assert listed.status_code == 403, listed.text
    assert "not authorized" in decided.json()["Message"]
    # AND the referral still waits: listed for a reviewer, its execution still running
    assert referral in pending_ids(api, reviewer)
    status = requests.get(f"{api}/applications/{referral}", timeout=HTTP_TIMEOUT).json()
    assert status["status"] == "awaiting_review"
    machine = stack_outputs["PreScreeningStateMachineArn"]
    arn = machine.replace(":stateMachine:", ":execution:") + f":PreScreening-{referral}"
    assert client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"


def test_a_burst_of_submissions_past_the_throttle_gets_429(api):
    # GIVEN the submission throttle (a burst of 20, then 10 a second, by default)
    def submit_nothing(_):
        # An empty body is refused by the function (400) without starting anything.
        return requests.post(f"{api}/applications", data=b"", timeout=HTTP_TIMEOUT)

    # WHEN 8 clients submit as fast as they can (in rounds of 40, at most 10 rounds: cold
    # function processes on a busy machine may make the first round slower than the rate)
    codes: list[int] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(10):
            responses = list(pool.map(submit_nothing, range(40)))
            codes += [response.status_code for response in responses]
            if 429 in codes:
                break

    # THEN the ones past the throttle get API Gateway's 429, the others reach the function
    assert set(codes) == {400, 429}, codes
    throttled = next(response for response in responses if response.status_code == 429)
    assert throttled.json() == {"message": "Too Many Requests"}
    assert throttled.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    # AND once the bucket refills, submissions pass again (other tests need it)
    wait_until(
        lambda: submit_nothing(0).status_code == 400,
        timeout=30,
        interval=0.5,
        what="the submission throttle to refill",
    )
