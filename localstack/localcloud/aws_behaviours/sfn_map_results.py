"""A Distributed Map's ResultWriter writes its child workflows' results to S3 as AWS lays them out.

AWS writes, under `<Prefix>/<map run id>/`, one file per outcome (`SUCCEEDED_0.json`,
`FAILED_0.json`, `PENDING_0.json`: a JSON array of each child execution's ARN, name, input,
output or error and cause, status and dates) and a `manifest.json` naming those files and their
sizes. localstack-core wrote the manifest alone, its lists of files empty, so a workflow reading
its results back (the reason for a ResultWriter) found nothing. The child executions' records
are kept on the Map Run as its children finish, and written when the Map Run ends, failed past
its tolerated failures too (as AWS does; LocalStack wrote nothing then). AWS's documentation
names no file for a child that timed out or was aborted (stopped with its failed Map Run): such
a child did not succeed and is not pending, so it is written in the FAILED file, with its own
Status.

A `WriterConfig` shapes the results as AWS documents it: `Transformation` NONE (each child's
record, the default when exporting), COMPACT (each child's output, the default otherwise) or
FLATTEN (outputs that are arrays spread into the list); a failed child's record is kept whole.
`OutputType` JSONL writes a results file a result a line, JSON (the default) as one array. With
no `Resource` the transformed results are the Map's output, exported nowhere; LocalStack's
grammar refused the field, and a ResultWriter without a Resource. Results S3 refuses to take
fail the Map with `States.ResultWriterFailed`, as on AWS (LocalStack: `States.Runtime`).

The same records answer ListExecutions for a Map Run (`mapRunArn`), as AWS lists a Map Run's
child executions; LocalStack required a state machine ARN and refused the call.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from localstack.runtime import hooks

from localcloud.aws_behaviours.sfn_item_readers import all_states, map_failure, s3_failure_cause
from localcloud.aws_behaviours.sfn_lifted_fields import lift_for_maps
from localcloud.aws_behaviours.sfn_map_run_redrive import (
    go_on_where_child_ended,
    note_where_child_ended,
    redriven_child,
)
from localcloud.clock.clock import CLOCK
from localcloud.support.patching import after_import

_MAP = "localstack.services.stepfunctions.asl.component.state.state_execution.state_map"
OUTCOMES = ("FAILED", "PENDING", "SUCCEEDED")
EXPORTED_AS_IS = {"Transformation": "NONE", "OutputType": "JSON"}
# Called with (Map Run record, child record) as each child finishes, in the thread that ran it
# (sfn_map_run_children keeps the child's events this way).
CHILD_FINISHED: list = []


def lift_writer_configs(definition: str) -> tuple[str, dict[str, dict]]:
    """The definition the grammar accepts, and each Map's WriterConfig (`Export`: whether its
    ResultWriter names a Resource to export to)."""
    try:
        document = json.loads(definition)
    except ValueError:
        return definition, {}  # the parser reports it
    lifted: dict[str, dict] = {}
    for name, state in all_states(document):
        writer = state.get("ResultWriter")
        if not isinstance(writer, dict) or not isinstance(writer.get("WriterConfig"), dict):
            continue
        processor = state.get("ItemProcessor") or {}
        if (processor.get("ProcessorConfig") or {}).get("Mode") != "DISTRIBUTED":
            continue  # the grammar refuses a ResultWriter there, as AWS does
        lifted[name] = {**writer.pop("WriterConfig"), "Export": "Resource" in writer}
        if not lifted[name]["Export"]:
            del state["ResultWriter"]  # nothing left for the grammar: results stay the output
    return (json.dumps(document) if lifted else definition), lifted


def transformed(children: list[dict], transformation: str) -> list:
    """The children's results as a WriterConfig's Transformation gives them."""
    if transformation == "NONE":
        return children
    results: list = []
    for child in children:
        if child["Status"] != "SUCCEEDED":
            results.append(child)  # AWS keeps a failed child's record whole
            continue
        output = json.loads(child["Output"])
        if transformation == "FLATTEN" and isinstance(output, list):
            results.extend(output)
        else:
            results.append(output)
    return results


def _results_file(results: list, output_type: str) -> bytes:
    if output_type == "JSONL":
        return "".join(json.dumps(result) + "\n" for result in results).encode()
    return json.dumps(results).encode()


def child_status(program_state) -> str:
    """The status AWS lists a child with, from the state its run ended in (LocalStack's worker
    counted a stopped child aborted, but its result was recorded as SUCCEEDED)."""
    from localstack.services.stepfunctions.asl.eval import program_state as states

    if isinstance(program_state, states.ProgramEnded):
        return "SUCCEEDED"
    if isinstance(program_state, states.ProgramStopped):
        return "ABORTED"
    return "FAILED"  # an error, or a run its worker ended on an exception


def child_record(record, job_input: Any, output: Any, program_state, started, stopped) -> dict:
    """One child execution as AWS writes it in a result file."""
    # LocalStack's encoder: items may hold datetimes (a ListObjectsV2 reader's LastModified).
    from localstack.services.stepfunctions.asl.utils.encoding import to_json_str

    name = str(uuid.uuid4())
    execution_prefix = record.map_state_machine_arn.replace(":stateMachine:", ":execution:")
    status = child_status(program_state)
    child = {
        "ExecutionArn": f"{execution_prefix}:{name}",
        "Input": to_json_str(job_input),
        "InputDetails": {"Included": True},
        "Name": name,
        "RedriveCount": 0,
        "StartDate": _aws_time(started),
        "StateMachineArn": record.map_state_machine_arn,
        "Status": status,
        "StopDate": _aws_time(stopped),
    }
    if status == "SUCCEEDED":
        child |= {"Output": to_json_str(output), "OutputDetails": {"Included": True}}
        child |= {
            "RedriveStatus": "NOT_REDRIVABLE",
            "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
        }
    else:
        if status == "FAILED":  # a ProgramError's details, when the run ended on one
            error = getattr(program_state, "error", None) or {}
            child |= {key.capitalize(): error[key] for key in ("error", "cause") if key in error}
        child |= {"RedriveStatus": "REDRIVABLE_BY_MAP_RUN"}  # redriving the parent reruns it
    return child


def _list_item(record, child: dict, started: datetime, stopped: datetime) -> dict:
    """The child execution as ListExecutions shows it."""
    return {
        "executionArn": child["ExecutionArn"],
        "stateMachineArn": child["StateMachineArn"],
        "name": child["Name"],
        "status": child["Status"],
        "startDate": started,
        "stopDate": stopped,
        "mapRunArn": record.map_run_arn,
    }


def _in_place_of(record, earlier: dict, child: dict, item: dict) -> None:
    """A redriven Map Run's rerun child takes the place of the one that did not succeed."""
    record.child_results[record.child_results.index(earlier)] = child
    listed = [listed["executionArn"] for listed in record.child_list_items]
    at = listed.index(earlier["ExecutionArn"])
    if child["ExecutionArn"] == earlier["ExecutionArn"]:  # redriven, so started back then
        item["startDate"] = record.child_list_items[at]["startDate"]
    record.child_list_items[at] = item


def _aws_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _outcome(status: str) -> str:
    """The results file a child's status goes to: FAILED unless it succeeded or is pending."""
    return status if status in ("SUCCEEDED", "PENDING") else "FAILED"


def write_results(s3, bucket: str, prefix: str, record, config: dict = EXPORTED_AS_IS) -> str:
    """Each outcome's file and the manifest under <prefix><map run id>/; the manifest's key."""
    folder = f"{prefix}{record.map_run_arn.split(':')[-1]}/"
    children = getattr(record, "child_results", [])
    files: dict[str, list[dict]] = {outcome: [] for outcome in OUTCOMES}
    for outcome in OUTCOMES:
        of_outcome = [child for child in children if _outcome(child["Status"]) == outcome]
        if of_outcome:
            results = transformed(of_outcome, config.get("Transformation", "NONE"))
            body = _results_file(results, config.get("OutputType", "JSON"))
            key = f"{folder}{outcome}_0.json"
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            files[outcome].append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": bucket, "MapRunArn": record.map_run_arn, "ResultFiles": files}
    key = f"{folder}manifest.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode())
    return key


def _put_writer_config_back(state, config: dict | None) -> None:
    if config is not None:
        state.iteration_component.writer_config = config


@hooks.on_infra_start()
def write_map_results_as_aws():
    lift_for_maps("lifted writer configs", lift_writer_configs, _put_writer_config_back)

    @after_import(
        f"{_MAP}.iteration.itemprocessor.distributed_item_processor_worker",
        requires=("DistributedItemProcessorWorker._eval_job",),
    )
    def keep_child_results(worker_module):
        eval_job = worker_module.DistributedItemProcessorWorker._eval_job

        def eval_job_keeping_its_result(self, env, job) -> None:
            record = self._map_run_record
            earlier = record.child_by_job.get(job.job_index)  # a redriven Map Run's
            if earlier is not None and earlier["Status"] == "SUCCEEDED":
                job.job_output = json.loads(earlier["Output"])  # not rerun: its result is kept
                return
            started = CLOCK.now(UTC)
            if earlier is not None:
                go_on_where_child_ended(record, job.job_index, env)
            eval_job(self, env, job)
            stopped = CLOCK.now(UTC)
            child = child_record(
                record, job.job_input, job.job_output, env.program_state(), started, stopped
            )
            if child["Status"] != "SUCCEEDED":
                note_where_child_ended(record, job.job_index, env)
            if earlier is not None:
                child = redriven_child(record, earlier, child)
            for listener in CHILD_FINISHED:
                listener(record, child)
            record.child_by_job[job.job_index] = child
            item = _list_item(record, child, started, stopped)
            if earlier is None:
                # list.append is atomic: the workers of one Map Run add to it side by side.
                record.child_results.append(child)
                record.child_list_items.append(item)
            else:
                _in_place_of(record, earlier, child, item)

        worker_module.DistributedItemProcessorWorker._eval_job = eval_job_keeping_its_result

    @after_import(
        f"{_MAP}.iteration.distributed_iteration_component",
        requires=("DistributedIterationComponent._map_run",),
    )
    def start_each_map_run_with_no_results(component_module):
        map_run = component_module.DistributedIterationComponent._map_run

        def map_run_keeping_results(self, env, eval_input) -> None:
            record = eval_input.map_run_record
            if not hasattr(record, "child_results"):  # a redriven Map Run keeps its children
                record.child_results, record.child_list_items, record.child_by_job = [], [], {}
            record.child_execution_type = getattr(self, "child_execution_type", "STANDARD")
            map_run(self, env, eval_input)
            config = record.writer_config = getattr(self, "writer_config", None)
            if config is not None and not config["Export"]:
                in_order = [record.child_by_job[index] for index in sorted(record.child_by_job)]
                env.stack[-1] = transformed(in_order, config.get("Transformation", "COMPACT"))

        component_module.DistributedIterationComponent._map_run = map_run_keeping_results

    @after_import(f"{_MAP}.state_map", requires=("StateMap._eval_execution",))
    def write_results_of_failed_map_runs(state_map_module):
        eval_execution = state_map_module.StateMap._eval_execution

        def eval_execution_writing_failed_runs(self, env) -> None:
            try:
                eval_execution(self, env)
            except Exception as failure:
                if self.result_writer is None or not _tolerance_exceeded(failure):
                    raise
                env.stack.append([])  # the Map's results: the writer writes its children's
                self.result_writer.eval(env)
                env.stack.pop()  # the writer's details: the Map fails all the same
                raise

        state_map_module.StateMap._eval_execution = eval_execution_writing_failed_runs

    @after_import(
        f"{_MAP}.result_writer.resource_eval.resource_eval_s3",
        requires=("ResourceEvalS3._handle_put_object", "ResourceEvalS3._get_s3_client"),
    )
    def write_result_files(writer_module):
        writer = writer_module.ResourceEvalS3

        def handle_put_object(env, resource_runtime_part, state_credentials) -> None:
            parameters = env.stack.pop()
            env.stack.pop()  # the Map's results: AWS writes the children's records instead
            record = env.map_run_record_pool_manager.get_all()[-1]
            prefix = parameters.get("Prefix") or ""
            if prefix and not prefix.endswith("/"):
                prefix += "/"
            s3 = writer._get_s3_client(
                resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
            )
            config = getattr(record, "writer_config", None) or EXPORTED_AS_IS
            try:
                key = write_results(s3, parameters["Bucket"], prefix, record, config)
            except Exception as error:  # S3's refusal: AWS fails the Map, naming it
                raise map_failure(env, "ResultWriterFailed", s3_failure_cause(error)) from error
            env.stack.append(
                {
                    "MapRunArn": record.map_run_arn,
                    "ResultWriterDetails": {"Bucket": parameters["Bucket"], "Key": key},
                }
            )

        writer._handle_put_object = staticmethod(handle_put_object)

    @after_import(
        "localstack.services.stepfunctions.provider",
        requires=(
            "StepFunctionsProvider.list_executions",
            "ResourceNotFound",
            "PaginatedList",
            "get_next_page_token_from_arn",
            "normalise_max_results",
        ),
    )
    def list_map_run_children(provider_module):
        list_executions = provider_module.StepFunctionsProvider.list_executions

        def list_executions_of_map_runs(self, context, state_machine_arn=None, **request):
            map_run_arn = request.get("map_run_arn")
            if state_machine_arn or not map_run_arn:
                return list_executions(self, context, state_machine_arn, **request)
            children = _map_run_children(self.get_store(context), map_run_arn, provider_module)
            if status := request.get("status_filter"):
                children = [child for child in children if child["status"] == status]
            children = sorted(children, key=lambda child: child["startDate"], reverse=True)
            page, next_token = provider_module.PaginatedList(children).get_page(
                token_generator=lambda child: provider_module.get_next_page_token_from_arn(
                    child["executionArn"]
                ),
                page_size=provider_module.normalise_max_results(request.get("max_results")),
                next_token=request.get("next_token"),
            )
            return {"executions": page, **({"nextToken": next_token} if next_token else {})}

        provider_module.StepFunctionsProvider.list_executions = list_executions_of_map_runs


def _tolerance_exceeded(failure: Exception) -> bool:
    """Whether the Map failed as its Map Run passed its tolerated failures."""
    event = getattr(failure, "failure_event", None)
    error = getattr(getattr(event, "error_name", None), "error_name", None)
    return error == "States.ExceedToleratedFailureThreshold"


def _map_run_children(store, map_run_arn: str, provider_module) -> list[dict]:
    for execution in store.executions.values():
        record = execution.exec_worker.env.map_run_record_pool_manager.get(map_run_arn)
        if record is not None:
            return list(getattr(record, "child_list_items", []))
    raise provider_module.ResourceNotFound()
