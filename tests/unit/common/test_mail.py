"""Email through SES: text alone, or text with an HTML alternative."""

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from common.mail import send_email


def test_an_email_goes_from_the_sender_to_the_one_recipient():
    with mock_aws():
        boto3.client("ses").verify_email_identity(EmailAddress="from@example.com")
        # WHEN a text email is sent
        message_id = send_email("from@example.com", "to@example.com", "Hello", "Plain text")
        # THEN SES has it, as text, under the id answered
        [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        assert sent.id == message_id
        assert (sent.source, sent.destinations["ToAddresses"]) == (
            "from@example.com",
            ["to@example.com"],
        )
        assert (sent.subject, sent.body) == ("Hello", "Plain text")


def test_an_html_alternative_is_sent_when_given():
    with mock_aws():
        boto3.client("ses").verify_email_identity(EmailAddress="from@example.com")
        send_email("from@example.com", "to@example.com", "Hi", "text", html="<p>html</p>")
        [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        assert sent.body == "<p>html</p>"  # moto keeps the HTML part when there is one
