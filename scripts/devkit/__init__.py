"""The project's dev tools: build, deploy and keep the local stack in step, issue staff tokens,
run the demos, and reach the local cloud from tests and benchmarks.

Installed (editable) into the project's .venv by `make setup`; the Makefile runs them through
the `devkit` command (devkit/__main__.py). Modules:

    local_cloud      the local cloud from outside: address, clients, instances, deadline-bound waits
    local_issuer     the local cloud's token issuer (what Cognito is to the AWS stages)
    stack            sam build / deploy / validate, the stack's outputs and resources
    stack_plan       what the working tree changed -> what the local stack needs (pure)
    deploy_record    what a local deploy was made from, recorded for stack_sync
    hot_reload       the folders hot-reloaded functions and layers run from
    stack_sync       bring the local stack in step with the working tree, doing the least
    invoke, watch    make invoke, make watch
    demo, demos/     make demo (one module per workflow)
    console_client   make inspect and the demo's cost table, from the local console
    prospect_activity  sample data for the reports workflow
"""

from pathlib import Path

# The checkout these tools belong to (and work on): the folder above scripts/.
PROJECT = Path(__file__).resolve().parents[2]
