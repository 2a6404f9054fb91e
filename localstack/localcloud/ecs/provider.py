"""The ECS API on the local cloud (the community build has none).

Clusters, task definitions and their tags are moto's (in-process, as DynamoDB's). Tasks are
ours: RunTask starts a `FargateTask` (host processes), and DescribeTasks, ListTasks, StopTask
and the tag operations on a task ARN answer from them. Only Fargate runs: RunTask of another
launch type answers with AWS's failure for a cluster without container instances.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from localstack.services.plugins import Service, aws_provider

# AWS shows a stopped task for about an hour.
STOPPED_TASKS_KEPT = timedelta(hours=1)


@aws_provider(api="ecs", name="localcloud")
def ecs_with_fargate_tasks():
    from localstack.aws.api import CommonServiceException
    from localstack.aws.spec import load_service
    from localstack.services.moto import _proxy_moto

    from localcloud.ecs import credentials
    from localcloud.ecs.tasks import FargateTask, now

    tasks: dict[str, FargateTask] = {}
    lock = threading.Lock()

    def moto_backend(context):
        from moto.ecs.models import ecs_backends

        return ecs_backends[context.account_id][context.region]

    def invalid(message: str) -> CommonServiceException:
        return CommonServiceException("InvalidParameterException", message, status_code=400)

    def as_aws_error(error) -> CommonServiceException:
        return CommonServiceException(error.code, error.message, status_code=400)

    def cluster_of(context, name: str | None):
        from moto.core.exceptions import ServiceException

        try:
            return moto_backend(context)._get_cluster(name or "default")
        except ServiceException as error:
            raise as_aws_error(error) from None

    def find(context, cluster, task: str) -> FargateTask | None:
        task_id = task.rsplit("/", 1)[-1]
        with lock:
            found = tasks.get(
                f"arn:aws:ecs:{context.region}:{context.account_id}:task/{cluster.name}/{task_id}"
            )
        return found

    def run_task(context, request: dict) -> dict:
        from moto.core.exceptions import ServiceException

        cluster = cluster_of(context, request.get("cluster"))
        try:
            definition = moto_backend(context).describe_task_definition(request["taskDefinition"])
        except ServiceException as error:
            raise as_aws_error(error) from None
        if request.get("launchType", "FARGATE") != "FARGATE":
            reason = "No Container Instances were found in your cluster."
            return {"tasks": [], "failures": [{"arn": cluster.arn, "reason": reason}]}
        if not (request.get("networkConfiguration") or {}).get("awsvpcConfiguration"):
            raise invalid(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
            )
        count = request.get("count") or 1
        if not 1 <= count <= 10:
            raise invalid("count must be between 1 and 10.")
        credentials.serve()
        started = [
            FargateTask(
                cluster=cluster,
                definition=definition,
                request=request,
                account=context.account_id,
                region=context.region,
            )
            for _ in range(count)
        ]
        with lock:
            forget_old_stopped_tasks()
            tasks.update((task.arn, task) for task in started)
        answer = {"tasks": [task.described() for task in started], "failures": []}
        for task in started:
            task.start()
        return answer

    def forget_old_stopped_tasks() -> None:
        cutoff = now() - STOPPED_TASKS_KEPT
        for arn in [arn for arn, t in tasks.items() if t.times.get("stoppedAt", now()) < cutoff]:
            del tasks[arn]

    def describe_tasks(context, request: dict) -> dict:
        cluster = cluster_of(context, request.get("cluster"))
        if not request.get("tasks"):
            raise invalid("Tasks cannot be empty.")
        with_tags = "TAGS" in (request.get("include") or [])
        found, failures = [], []
        for task in request["tasks"]:
            if (run := find(context, cluster, task)) is not None:
                found.append(run.described(with_tags))
            else:
                failures.append({"arn": task, "reason": "MISSING"})
        return {"tasks": found, "failures": failures}

    def list_tasks(context, request: dict) -> dict:
        cluster = cluster_of(context, request.get("cluster"))
        wanted_status = request.get("desiredStatus") or "RUNNING"
        with lock:
            runs = [t for t in tasks.values() if t.cluster_arn == cluster.arn]
        family = request.get("family")
        arns = [
            t.arn
            for t in runs
            if t.desired_status == wanted_status
            and (not family or t.definition.family == family)
            and (not request.get("startedBy") or t.request.get("startedBy") == request["startedBy"])
        ]
        return {"taskArns": arns}

    def stop_task(context, request: dict) -> dict:
        cluster = cluster_of(context, request.get("cluster"))
        run = find(context, cluster, request["task"])
        if run is None:
            raise invalid("The referenced task was not found.")
        run.stop("UserInitiated", request.get("reason") or "Task stopped by user")
        return {"task": run.described()}

    def task_arn_of(context, arn: str) -> FargateTask | None:
        with lock:
            return tasks.get(arn)

    def tag_resource(context, request: dict):
        if (run := task_arn_of(context, request["resourceArn"])) is None:
            return _proxy_moto(context, request)
        keys = {tag["key"] for tag in request["tags"]}
        run.tags = [t for t in run.tags if t["key"] not in keys] + list(request["tags"])
        return {}

    def untag_resource(context, request: dict):
        if (run := task_arn_of(context, request["resourceArn"])) is None:
            return _proxy_moto(context, request)
        run.tags = [t for t in run.tags if t["key"] not in request["tagKeys"]]
        return {}

    def list_tags_for_resource(context, request: dict):
        if (run := task_arn_of(context, request["resourceArn"])) is None:
            return _proxy_moto(context, request)
        return {"tags": list(run.tags)}

    ours = {
        "RunTask": run_task,
        "DescribeTasks": describe_tasks,
        "ListTasks": list_tasks,
        "StopTask": stop_task,
        "TagResource": tag_resource,
        "UntagResource": untag_resource,
        "ListTagsForResource": list_tags_for_resource,
    }

    class EcsProvider:
        service = "ecs"

    def dispatch_table(_provider) -> dict:
        operations = load_service("ecs").operation_names
        return {name: ours.get(name, _proxy_moto) for name in operations}

    return Service.for_provider(EcsProvider(), dispatch_table_factory=dispatch_table)
