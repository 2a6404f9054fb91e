"""A Distributed Map's ItemReader reads S3 inventory manifests and delimited CSV, as on AWS.

localstack-core knows the ItemReader input types JSON and CSV only: `"InputType": "MANIFEST"`
(an S3 Inventory `manifest.json`) and a ReaderConfig's `CSVDelimiter` or `ManifestType:
S3_INVENTORY` were refused at CreateStateMachine (Athena's manifests, `ATHENA_DATA`, still
are). Before the definition reaches the grammar they are lifted out (a manifest read as the
JSON it is), and put back on the parsed Map as a reader of their own.

A manifest's data files are CSV (gzipped as S3 Inventory writes them, or not) in its
destination bucket; each row is an item of the manifest's `fileSchema` fields, all strings, as
Step Functions hands them on (`{"Bucket": ..., "Key": ..., "Size": "42", ...}`), at most
`MaxItems`. Another inventory format fails the Map with `States.ItemReaderFailed`, as on AWS.

Any reader that cannot read its object (no such key or bucket, access denied, text that is not
the JSON it should be) fails the Map with `States.ItemReaderFailed` and S3's reason, as AWS
does; LocalStack failed the execution with `States.Runtime` and a Python message.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from localstack.runtime import hooks

from localcloud.aws_behaviours.sfn_lifted_fields import lift_for_maps
from localcloud.support.patching import after_import

DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


def lift_reader_configs(definition: str) -> tuple[str, dict[str, dict]]:
    """The definition the grammar accepts, and the ReaderConfig fields lifted from each Map."""
    try:
        document = json.loads(definition)
    except ValueError:
        return definition, {}  # the parser reports it
    lifted: dict[str, dict] = {}
    for name, state in all_states(document):
        reader = state.get("ItemReader")
        config = reader.get("ReaderConfig") if isinstance(reader, dict) else None
        if not isinstance(config, dict):
            continue
        fields = {key: config.pop(key) for key in ("CSVDelimiter",) if key in config}
        if config.get("ManifestType") == "S3_INVENTORY":
            # Athena's manifests (ATHENA_DATA) are not read here: the grammar refuses them.
            fields["ManifestType"] = config.pop("ManifestType")
        if config.get("InputType") == "MANIFEST":
            config["InputType"] = "JSON"  # a manifest.json, read as such
            fields["InputType"] = "MANIFEST"
        if fields:
            lifted[name] = fields
    return (json.dumps(document) if lifted else definition), lifted


def all_states(machine: Any) -> Iterator[tuple[str, dict]]:
    """Every state of the machine, those of Parallel branches and Map processors included."""
    states = machine.get("States") if isinstance(machine, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        yield name, state
        for branch in state.get("Branches") or []:
            yield from all_states(branch)
        yield from all_states(state.get("ItemProcessor") or state.get("Iterator"))


def inventory_items(
    manifest: dict, read: Callable[[str, str], bytes], max_items: int
) -> list[dict[str, str]]:
    """The items an S3 Inventory manifest lists: a row of its data files each, by fileSchema."""
    bucket = manifest["destinationBucket"].removeprefix("arn:aws:s3:::")
    fields = [field.strip() for field in manifest["fileSchema"].split(",")]
    items: list[dict[str, str]] = []
    for data_file in manifest["files"]:
        body = read(bucket, data_file["key"])
        if body[:2] == b"\x1f\x8b":  # gzip's magic number: S3 Inventory compresses its CSV
            body = gzip.decompress(body)
        for row in csv.reader(io.StringIO(body.decode())):
            if len(items) >= max_items:
                return items
            items.append(dict(zip(fields, row, strict=False)))
    return items


def as_comma_separated(text: str, delimiter: str) -> str:
    """CSV text separated by `delimiter`, rewritten with commas (quoting kept sound)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        csv.reader(io.StringIO(text), delimiter=delimiter)
    )
    return out.getvalue()


def _put_readers_back(state, fields: dict | None) -> None:
    """A Map's reader of a manifest or of CSV with its delimiter, from its lifted fields."""
    if not fields:
        return
    if fields.get("InputType") == "MANIFEST":
        state.item_reader.resource_output_transformer = _manifest_reader(state.item_reader)
    elif "CSVDelimiter" in fields:
        delimiter = DELIMITERS[fields["CSVDelimiter"]]
        state.item_reader.resource_output_transformer = _delimited_csv_reader(delimiter)


@hooks.on_infra_start()
def read_items_as_aws():
    lift_for_maps("lifted reader configs", lift_reader_configs, _put_readers_back)

    @after_import(
        "localstack.services.stepfunctions.asl.component.state.state_execution.state_map"
        ".item_reader.item_reader_decl",
        requires=("ItemReader._eval_body",),
    )
    def fail_unreadable_items_as_aws(item_reader_decl):
        from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (  # noqa: E501
            FailureEventException,
        )

        eval_body = item_reader_decl.ItemReader._eval_body

        def eval_body_as_aws(self, env) -> None:
            try:
                eval_body(self, env)
            except FailureEventException:
                raise
            except Exception as error:  # S3's refusal, or text that is not what it should be
                raise map_failure(env, "ItemReaderFailed", s3_failure_cause(error)) from error

        item_reader_decl.ItemReader._eval_body = eval_body_as_aws


def _delimited_csv_reader(delimiter: str):
    """LocalStack's CSV reader, given the text with its delimiter made a comma."""
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.item_reader.resource_eval.resource_output_transformer.resource_output_transformer_csv import (  # noqa: E501
        ResourceOutputTransformerCSV,
    )

    class DelimitedCsvReader(ResourceOutputTransformerCSV):
        def _eval_body(self, env) -> None:
            reader_config = env.stack.pop()
            env.stack.append(as_comma_separated(env.stack.pop(), delimiter))
            env.stack.append(reader_config)
            super()._eval_body(env)

    return DelimitedCsvReader()


def _manifest_reader(item_reader):
    """A reader of the manifest.json the ItemReader fetched: its data files' rows."""
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.item_reader.resource_eval.resource_eval_s3 import (  # noqa: E501
        ResourceEvalS3,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.item_reader.resource_eval.resource_output_transformer.resource_output_transformer import (  # noqa: E501
        ResourceOutputTransformer,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_task.credentials import (  # noqa: E501
        StateCredentials,
    )

    class ManifestReader(ResourceOutputTransformer):
        def _eval_body(self, env) -> None:
            reader_config = env.stack.pop()
            manifest = json.loads(env.stack.pop())
            if manifest.get("fileFormat") != "CSV":
                raise map_failure(
                    env, "ItemReaderFailed", "Only CSV-format S3 inventory manifests are supported."
                )
            item_reader.resource.eval(env=env)
            s3 = ResourceEvalS3._get_s3_client(
                resource_runtime_part=env.stack.pop(),
                state_credentials=StateCredentials(role_arn=env.aws_execution_details.role_arn),
            )

            def read(bucket: str, key: str) -> bytes:
                return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

            env.stack.append(inventory_items(manifest, read, reader_config["MaxItemsValue"]))

    return ManifestReader()


def s3_failure_cause(error: Exception) -> str:
    """Why S3 (or the object's text) failed a reader or writer, in AWS's words, not Python's."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return "The object's content could not be read as its input type."
    details = response.get("Error", {})
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = details.get("Code")
    return (
        f"{details.get('Message', code)} (Service: S3, Status Code: {status}, Error Code: {code})"
    )


def map_failure(env, error: str, cause: str):
    """The failure of a Map Run with the reserved error `States.<error>`."""
    from localstack.aws.api.stepfunctions import HistoryEventType, MapRunFailedEventDetails
    from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import (  # noqa: E501
        StatesErrorName,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name_type import (  # noqa: E501
        StatesErrorNameType,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails

    error_name = StatesErrorName(typ=StatesErrorNameType[f"States{error}"])
    details = MapRunFailedEventDetails(error=error_name.error_name, cause=cause)
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=error_name,
            event_type=HistoryEventType.MapRunFailed,
            event_details=EventDetails(mapRunFailedEventDetails=details),
        )
    )
