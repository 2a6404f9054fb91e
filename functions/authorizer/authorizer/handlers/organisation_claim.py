"""Cognito's pre-token-generation trigger for the staff user pool: the user's organisation (the
`custom:org` attribute, which only administrators can write) becomes the ID token's `org`
claim, the claim the local issuer puts in its tokens and the reports API checks a caller's
organisation against. A user without an organisation gets no `org` claim, so every
organisation's report is refused to them."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PreTokenGenerationTriggerEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger

ORGANISATION_ATTRIBUTE = "custom:org"
ORGANISATION_CLAIM = "org"


def organisation_claims(user_attributes: dict[str, str]) -> dict[str, str]:
    """The claims to add for a user with these attributes: {"org": ...} or nothing."""
    organisation = (user_attributes.get(ORGANISATION_ATTRIBUTE) or "").strip()
    return {ORGANISATION_CLAIM: organisation} if organisation else {}


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    trigger = PreTokenGenerationTriggerEvent(event)
    claims = organisation_claims(trigger.request.user_attributes)
    details = trigger.response.claims_override_details
    details.claims_to_add_or_override = claims
    # One name for the organisation in the token: the claim, not also the raw attribute.
    details.claims_to_suppress = [ORGANISATION_ATTRIBUTE]
    logger.info(
        "organisation claim",
        extra={"trigger": trigger.trigger_source, "withOrganisation": bool(claims)},
    )
    return trigger.raw_event
