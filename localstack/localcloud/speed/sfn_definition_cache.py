"""Each Step Functions definition parsed once, not at every execution.

localstack-core's ExecutionWorker runs the ANTLR lexer and parser over the state machine's
definition and then builds the evaluation components from the parse tree, for every execution
it starts; the builder also renders whole subtrees to text for error messages it only raises
when a field is missing. For the pre-screening state machine that was a fifth of LocalStack's
CPU time under the benchmark.

The components are a read-only description of the state machine: everything an execution
changes lives in its Environment (the stack, the heap, the frames, the variables). The one
exception is EvalComponent.heap_key, a random name made on first use to key a component's
entries in that per-execution heap (a Retry's attempt count, its backoff multiplier), which
two threads could both make at once; it is replaced with one made once, atomically, so a
component shared by executions running side by side has one key. (A Map's iterations already
share their components within an execution the same way.)

So the parsed program is kept per definition string (executions of a new version or an
updated definition get their own). Only the ExecutionWorker of StartExecution /
StartSyncExecution uses the cache: TestState has its own parser and worker and patches the
components it builds, so it keeps building its own.

Measured with the pre-screening benchmark at 200 applications on a 2-core machine, on top of
assumed_role_cache.py: LocalStack's CPU time for the run went from 43 s to 23 s (wall time
46-70 s to 27 s).
"""

from __future__ import annotations

import functools

from localstack.runtime import hooks

from localcloud.support.patching import after_import

CACHED_DEFINITIONS = 64
_HEAP_KEY_ATTR = "_EvalComponent__heap_key"


def _heap_key(self) -> str:
    from localstack.utils.strings import long_uid

    key = self.__dict__.get(_HEAP_KEY_ATTR)
    if key is None:
        # dict.setdefault is atomic: the first thread's key wins and every thread gets it.
        key = self.__dict__.setdefault(_HEAP_KEY_ATTR, long_uid())
    return key


@hooks.on_infra_start()
def cache_parsed_definitions():
    @after_import(
        "localstack.services.stepfunctions.asl.component.eval_component",
        requires=("EvalComponent.heap_key",),
    )
    def patch_heap_key(eval_component):
        eval_component.EvalComponent.heap_key = property(_heap_key)

    @after_import(
        "localstack.services.stepfunctions.backend.execution_worker",
        requires=("AmazonStateLanguageParser", "ExecutionWorker._get_evaluation_entrypoint"),
    )
    def patch_execution_worker(execution_worker):
        parse = execution_worker.AmazonStateLanguageParser.parse

        @functools.lru_cache(maxsize=CACHED_DEFINITIONS)
        def program_for(definition: str):
            return parse(definition)[0]

        def get_evaluation_entrypoint(self):
            definition = self._evaluation_details.state_machine_details.definition
            if not isinstance(definition, str):
                return parse(definition)[0]
            return program_for(definition)

        execution_worker.ExecutionWorker._get_evaluation_entrypoint = get_evaluation_entrypoint
