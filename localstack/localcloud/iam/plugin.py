"""Start-up hook: IAM enforcement in the gateway, in the mode LOCAL_CLOUD_IAM names, judged
against LocalStack's stores and journalled in the instance's folder (see `enforcement`)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)

# The instance's folder (LOCAL_CLOUD_HOME/<port>/), set by cloud.py; the journal goes there.
INSTANCE_SETTING = "LOCAL_CLOUD_INSTANCE"


@hooks.on_infra_start()
def enforce_iam_in_the_gateway() -> None:
    from localstack.aws import handlers

    from localcloud.iam.enforcement import Mode, configure, mode_from_environment
    from localcloud.iam.gateway import enforce_iam
    from localcloud.iam.journal import FileJournal
    from localcloud.iam.sessions import end_sessions_on_the_clock
    from localcloud.iam.stores import StorePolicies

    mode = mode_from_environment()  # a misspelt mode raises: LocalStack does not start
    folder = Path(os.environ.get(INSTANCE_SETTING) or ".")
    configure(mode, StorePolicies(), FileJournal(folder) if mode is not Mode.OFF else None)
    steps = handlers.serve_custom_service_request_handlers
    if mode is not Mode.OFF and enforce_iam not in steps.handlers:
        steps.append(enforce_iam)
    end_sessions_on_the_clock()
    LOG.info("IAM: %s (journal in %s)", mode.value, folder)
