"""Step Functions JSONPath expressions parsed once, not at every evaluation.

localstack-core's extract_json and ResultPath call jsonpath_ng's parse() for every InputPath,
ResultPath, Parameters "$.x" value, ResultSelector, OutputPath and Choice variable it
evaluates, and jsonpath_ng builds a new ply parser each time (yacc tables, and lexer checks
that read the module's source). Profiling the pre-screening benchmark showed a third of
LocalStack's time there. A parsed expression is read-only when matched, so one per path
string serves every execution.
"""

from __future__ import annotations

import functools

from localstack.runtime import hooks

from localcloud.support.patching import after_import

CACHED_EXPRESSIONS = 4096


@hooks.on_infra_start()
def cache_parsed_jsonpath():
    import jsonpath_ng
    import jsonpath_ng.ext

    @after_import("localstack.services.stepfunctions.asl.utils.json_path", requires=("parse",))
    def patch_json_path(json_path):
        json_path.parse = functools.lru_cache(maxsize=CACHED_EXPRESSIONS)(jsonpath_ng.ext.parse)

    @after_import(
        "localstack.services.stepfunctions.asl.component.common.path.result_path",
        requires=("parse",),
    )
    def patch_result_path(result_path):
        result_path.parse = functools.lru_cache(maxsize=CACHED_EXPRESSIONS)(jsonpath_ng.parse)
