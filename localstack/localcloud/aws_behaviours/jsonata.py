"""JSONata in Step Functions, evaluated by the pure-Python jsonata-python.

LocalStack evaluates JSONata on a JVM with jars it downloads at first use; offline that fails.
Its evaluator is one module-level function pointer, filled lazily: filling it first at start-up
routes every JSONata expression (Arguments, Output, Assign, Condition, ...) here.
"""

from localcloud.support.patching import patch_plugin


def evaluate(expression: str):
    import jsonata as jsonata_python
    from localstack.services.stepfunctions.asl.jsonata.jsonata import JSONataException

    try:
        return jsonata_python.Jsonata(expression).evaluate(None)
    except Exception as error:
        raise JSONataException("UNKNOWN", str(error)) from error


@patch_plugin("localstack.services.stepfunctions.asl.jsonata.jsonata", requires=("_eval_jsonata",))
def use_jsonata_python(localstack_jsonata) -> None:
    localstack_jsonata._eval_jsonata = evaluate
