"""devkit <command> [arguments]: the project's dev tools, as the Makefile runs them.

devkit stack build | deploy-local | deploy <env> | validate | outputs
devkit sync                                   bring the local stack in step once
devkit invoke <logical id> [event file]       make invoke
devkit watch [--template T --stack-name S --build-dir B]
devkit issuer init | token --role R --user U [--claim NAME=VALUE]
devkit demo                                   make demo
devkit inspect [execution ARN ...]            make inspect
devkit routes                                 render template.yaml's routes, print its path
devkit iam-report [instance folder]           make iam-report
devkit clock [ADVANCE]                        make clock: read or move the local cloud's clock
"""

from __future__ import annotations

import importlib
import sys

# Command -> the module whose main(arguments) runs it. Imported only when chosen: make invoke
# with nothing to do must not pay for the others' imports (jwt, watchdog, requests).
COMMANDS = {
    "stack": "stack",
    "sync": "stack_sync",
    "invoke": "invoke",
    "watch": "watch",
    "issuer": "local_issuer",
    "demo": "demo",
    "inspect": "console_client",
    "routes": "routes",
    "iam-report": "iam_report",
    "clock": "clock",
}


def main() -> int:
    command, *arguments = sys.argv[1:] or [""]
    if command not in COMMANDS:
        sys.exit(__doc__)
    return importlib.import_module(f"devkit.{COMMANDS[command]}").main(arguments) or 0


if __name__ == "__main__":
    sys.exit(main())
