"""Financial pre-screening: five applications over the REST API, each with a different path
(approved, declined on credit, declined as invalid, referred and approved by a reviewer, the
bureau down so referred and declined by a reviewer); prints each decision and its reasons."""

from __future__ import annotations

import requests

from devkit import local_issuer
from devkit.local_cloud import wait_until
from prescreening.sandbox import sample_submission

TIMEOUT = 30
DEADLINE_S = 120

CASES = [
    ("good credit, affordable", sample_submission("approve"), None),
    ("poor credit file", sample_submission("decline"), None),
    ("applicant under 18", sample_submission("approve", applicant_age=16), None),
    ("middling credit: a person decides", sample_submission("refer"), "approve"),
    ("credit bureau down: a person decides", sample_submission("bureau_down"), "decline"),
]


def _status(api: str, application_id: str) -> dict | None:
    answer = requests.get(f"{api}/applications/{application_id}", timeout=TIMEOUT)
    return answer.json() if answer.status_code == 200 else None


def _wait_for(api: str, application_id: str, statuses: set[str]) -> dict:
    def reached() -> dict | None:
        found = _status(api, application_id)
        return found if found and found["status"] in statuses else None

    return wait_until(reached, DEADLINE_S, interval=0.5, what=f"{application_id} {statuses}")


def run(outputs: dict[str, str]) -> None:
    api = outputs["ApiUrl"]
    # The reviews API is for staff: the reviewer signs in (here, a token from the local issuer).
    reviewer = {"Authorization": f"Bearer {local_issuer.token_for('demo-reviewer', ['reviewer'])}"}
    submitted = []
    for label, application, review in CASES:
        answer = requests.post(f"{api}/applications", json=application, timeout=TIMEOUT)
        answer.raise_for_status()
        submitted.append((label, answer.json()["applicationId"], review))
        print(f"submitted {answer.json()['applicationId']}  ({label})")
    for label, application_id, review in submitted:
        found = _wait_for(api, application_id, {"decided", "awaiting_review"})
        if found["status"] == "awaiting_review":
            why = "; ".join(found.get("referralReasons", []))
            print(f"  {application_id} referred to a person ({why}); reviewer answers {review}")
            requests.post(
                f"{api}/reviews/{application_id}",
                json={"outcome": review, "note": f"demo: {label}"},
                headers=reviewer,
                timeout=TIMEOUT,
            ).raise_for_status()
            found = _wait_for(api, application_id, {"decided"})
        reasons = "; ".join(found["reasons"])
        print(f"{label:40} -> {found['decision'].upper():8} ({reasons})")
