"""A Fargate task run as host processes, one per container, through ECS's life cycle.

PROVISIONING -> PENDING (the image mapped, secrets read, log streams made) -> RUNNING (every
container started) -> DEPROVISIONING -> STOPPED, with the times, `stopCode`, `stoppedReason` and
each container's `exitCode` that DescribeTasks shows on AWS, so Step Functions' `.sync` waits
on it unchanged. As Docker does, a stop sends SIGTERM to each container's main process and
SIGKILL once its `stopTimeout` has passed; a process killed by signal N exits with 128 + N.
The containers share LocalStack's process group, so stopping the local cloud stops them.
Memory limits are enforced as Fargate's (memory_limit.py); CPU is not limited.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import signal
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from localcloud.clock import processes
from localcloud.clock.clock import CLOCK
from localcloud.ecs import credentials, memory_limit
from localcloud.ecs.container_logs import ContainerLog, LogSetupFailed
from localcloud.ecs.images import ImageNotMapped, LocalImage, local_image
from localcloud.ecs.secrets import SecretNotRead, secret_value

LOG = logging.getLogger(__name__)

DEFAULT_STOP_TIMEOUT_S = 30  # Fargate's default; at most 120
MAX_STOP_TIMEOUT_S = 120
LOG_SHIPPING_INTERVAL_S = 0.2


def now() -> datetime:
    """The local cloud's clock, which the tasks' containers run on: DescribeTasks' dates."""
    return CLOCK.now(UTC)


@dataclass
class ContainerRun:
    """One container of a task: its definition, its process and what DescribeTasks shows."""

    task_arn: str
    definition: dict
    override: dict
    arn: str = field(default_factory=lambda: "")
    status: str = "PENDING"
    exit_code: int | None = None
    reason: str | None = None
    process: subprocess.Popen | None = None
    log: ContainerLog | None = None

    @property
    def name(self) -> str:
        return self.definition["name"]

    @property
    def essential(self) -> bool:
        return self.definition.get("essential", True)

    @property
    def stop_timeout(self) -> int:
        return min(self.definition.get("stopTimeout", DEFAULT_STOP_TIMEOUT_S), MAX_STOP_TIMEOUT_S)

    def described(self) -> dict:
        shown = {
            "containerArn": self.arn,
            "taskArn": self.task_arn,
            "name": self.name,
            "image": self.definition["image"],
            "lastStatus": self.status,
            "networkBindings": [],
            "networkInterfaces": [],
            "healthStatus": "UNKNOWN",
            "cpu": str(self.definition.get("cpu", 0)),
        }
        if self.exit_code is not None:
            shown["exitCode"] = self.exit_code
        if self.reason:
            shown["reason"] = self.reason
        if "memory" in self.definition:
            shown["memory"] = str(self.definition["memory"])
        return shown


class FargateTask:
    """A task from RunTask to STOPPED; `start()` runs its life in a thread of its own."""

    def __init__(self, *, cluster, definition, request: dict, account: str, region: str):
        self.id = uuid.uuid4().hex
        self.arn = f"arn:aws:ecs:{region}:{account}:task/{cluster.name}/{self.id}"
        self.cluster_arn = cluster.arn
        self.definition = definition  # moto's TaskDefinition
        self.request = request
        self.account, self.region = account, region
        self.tags: list[dict] = list(request.get("tags") or [])
        overrides = request.get("overrides") or {}
        by_name = {o["name"]: o for o in overrides.get("containerOverrides", []) if "name" in o}
        self.containers = [
            ContainerRun(self.arn, d, by_name.get(d["name"], {}))
            for d in definition.container_definitions
        ]
        for container in self.containers:
            container.arn = (
                f"arn:aws:ecs:{region}:{account}:container/{cluster.name}/{self.id}/{uuid.uuid4()}"
            )
        self.task_role = overrides.get("taskRoleArn") or getattr(definition, "task_role_arn", None)
        self.last_status, self.desired_status = "PROVISIONING", "RUNNING"
        self.version = 1
        self.times: dict[str, datetime] = {"createdAt": now()}
        self.stop_code: str | None = None
        self.stopped_reason: str | None = None
        self.subnet = (
            (request.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
        ).get("subnets", [""])[0]
        self._changed = threading.Condition()

    # --- what DescribeTasks shows -----------------------------------------------------------

    def described(self, with_tags: bool = False) -> dict:
        with self._changed:
            shown = {
                "taskArn": self.arn,
                "clusterArn": self.cluster_arn,
                "taskDefinitionArn": self.definition.arn,
                "lastStatus": self.last_status,
                "desiredStatus": self.desired_status,
                "launchType": "FARGATE",
                "platformVersion": "1.4.0",
                "platformFamily": "Linux",
                "cpu": self.definition.cpu,
                "memory": self.definition.memory,
                "group": self.request.get("group") or f"family:{self.definition.family}",
                "overrides": {"containerOverrides": [], "inferenceAcceleratorOverrides": []}
                | (self.request.get("overrides") or {}),
                "containers": [c.described() for c in self.containers],
                "attachments": [self._network_interface()],
                "availabilityZone": f"{self.region}a",
                "connectivity": "CONNECTED",
                "connectivityAt": self.times["createdAt"],
                "healthStatus": "UNKNOWN",
                "enableExecuteCommand": False,
                "ephemeralStorage": {"sizeInGiB": 20},
                "version": self.version,
                **self.times,
            }
            if self.request.get("startedBy"):
                shown["startedBy"] = self.request["startedBy"]
            if self.stop_code:
                shown["stopCode"] = self.stop_code
            if self.stopped_reason:
                shown["stoppedReason"] = self.stopped_reason
            if with_tags:
                shown["tags"] = list(self.tags)
            return {key: value for key, value in shown.items() if value is not None}

    def _network_interface(self) -> dict:
        status = "DELETED" if self.last_status == "STOPPED" else "ATTACHED"
        details = [{"name": "subnetId", "value": self.subnet}]
        details.append({"name": "privateIPv4Address", "value": "127.0.0.1"})
        return {
            "id": self.id,
            "type": "ElasticNetworkInterface",
            "status": status,
            "details": details,
        }

    def _set(self, status: str, **times: datetime) -> None:
        with self._changed:
            self.last_status = status
            self.times.update(times)
            self.version += 1
            self._changed.notify_all()

    # --- stopping ---------------------------------------------------------------------------

    def stop(self, code: str, reason: str) -> None:
        """StopTask: the containers get SIGTERM, then SIGKILL after their stopTimeout."""
        with self._changed:
            if self.desired_status == "STOPPED":
                return
            self.desired_status = "STOPPED"
            self.stop_code, self.stopped_reason = code, reason
            self.times.setdefault("stoppingAt", now())
            self._changed.notify_all()

    @property
    def stopping(self) -> bool:
        return self.desired_status == "STOPPED"

    # --- life -------------------------------------------------------------------------------

    def start(self) -> None:
        threading.Thread(target=self._live, name=f"ecs-task-{self.id}", daemon=True).start()

    def _live(self) -> None:
        try:
            self._set("PENDING", pullStartedAt=now())
            images = {c.name: self._image(c) for c in self.containers}
            self.times["pullStoppedAt"] = now()
            environments = {c.name: self._environment(c, images[c.name]) for c in self.containers}
            for container in self.containers:
                container.log = ContainerLog.for_container(
                    container.definition, self.id, self.account, self.region
                )
            if not self.stopping:
                self._run(images, environments)
        except TaskFailedToStart as failure:
            self._failed_to_start(str(failure))
        except LogSetupFailed as why:
            self._failed_to_start(
                f"ResourceInitializationError: failed to validate logger args: {why}"
            )
        except Exception as error:
            LOG.exception("ECS task %s failed", self.arn)
            self._failed_to_start(f"InternalError: {error}")
        finally:
            credentials.forget(self.id)
            self._set("DEPROVISIONING", stoppingAt=self.times.get("stoppingAt") or now())
            for container in self.containers:
                container.status = "STOPPED"
            self._set("STOPPED", stoppedAt=now())

    def _image(self, container: ContainerRun) -> LocalImage:
        image = container.definition["image"]
        try:
            return local_image(image)
        except ImageNotMapped as why:
            reason = (
                f"CannotPullContainerError: pull image manifest has been retried 1 time(s): "
                f"failed to resolve ref {image}: not found ({why})"
            )
            container.reason = reason
            raise TaskFailedToStart(reason) from None

    def _environment(self, container: ContainerRun, image: LocalImage) -> dict[str, str]:
        from localstack import config

        variables = {
            "PATH": f"{image.environment / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(image.source),
            "LANG": "C.UTF-8",
            **image.variables,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
            # Plain boto3 clients in the container reach the local cloud.
            "AWS_ENDPOINT_URL": config.external_service_url(),
            **processes.environment(),  # containers run on the cloud's clock, as on AWS
        }
        for pair in container.definition.get("environment", []):
            variables[pair["name"]] = pair["value"]
        for pair in container.override.get("environment", []):
            variables[pair["name"]] = pair["value"]
        for secret in container.definition.get("secrets", []):
            try:
                variables[secret["name"]] = secret_value(
                    secret["valueFrom"], self.account, self.region
                )
            except SecretNotRead as why:
                raise TaskFailedToStart(
                    "ResourceInitializationError: unable to pull secrets or registry auth: "
                    f"execution resource retrieval failed: unable to retrieve secret from "
                    f"{secret['valueFrom']}: {why}"
                ) from None
        if self.task_role:
            token = secrets.token_urlsafe(32)
            credentials.register(self.id, self.task_role, token, self.arn)
            variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = credentials.url(self.id)
            variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
        return variables

    def _run(self, images: dict[str, LocalImage], environments: dict[str, dict[str, str]]) -> None:
        for container in self.containers:
            image = images[container.name]
            argv = self._argv(container, image)
            try:
                container.process = subprocess.Popen(
                    argv,
                    cwd=image.source,
                    env=environments[container.name],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,  # awslogs sends both to one stream
                )
            except OSError as error:
                self._stop_processes()
                raise TaskFailedToStart(
                    f"CannotStartContainerError: failed to create new container runtime task: "
                    f"exec: {argv[0]!r}: {error.strerror}"
                ) from None
            container.status = "RUNNING"
            threading.Thread(
                target=self._follow, args=(container,), name=f"ecs-{self.id}-{container.name}"
            ).start()
        self._set("RUNNING", startedAt=now())
        threading.Thread(
            target=self._enforce_memory_limits, name=f"ecs-memory-{self.id}", daemon=True
        ).start()
        shipping = threading.Thread(target=self._ship_logs, name=f"ecs-logs-{self.id}")
        shipping.start()
        self._wait_for_the_end()
        self._stop_processes()
        shipping.join()

    @staticmethod
    def _argv(container: ContainerRun, image: LocalImage) -> list[str]:
        entry_point = container.definition.get("entryPoint") or image.entry_point
        # As Docker: an entry point set by the task definition drops the image's CMD.
        default_command = [] if container.definition.get("entryPoint") else image.command
        command = (
            container.override.get("command")
            or container.definition.get("command")
            or default_command
        )
        return [*entry_point, *command]

    def _follow(self, container: ContainerRun) -> None:
        """Read a container's output into its log until it exits; note its exit code."""
        process = container.process
        for line in process.stdout:
            container.log.add(line)
        code = process.wait()
        processes.reaped(process.pid)
        with self._changed:
            container.exit_code = 128 - code if code < 0 else code
            container.status = "STOPPED"
            if container.essential and not self.stopping:
                self.stop_code = "EssentialContainerExited"
                self.stopped_reason = "Essential container in task exited"
                self.desired_status = "STOPPED"
                self.times.setdefault("stoppingAt", now())
            self._changed.notify_all()

    def _enforce_memory_limits(self) -> None:
        """Until the task stops, kill a container over its memory as Fargate's OOM killer."""
        limits = {
            c.name: memory_limit.limit_bytes(c.definition.get("memory")) for c in self.containers
        }
        task_limit = memory_limit.limit_bytes(self.definition.memory)
        while True:
            with self._changed:
                running = [c for c in self.containers if c.process and c.status == "RUNNING"]
                if self.stopping or not running:
                    return
            resident = {c.name: memory_limit.resident_bytes(c.process.pid) for c in running}
            over = memory_limit.over_limit(resident, limits, task_limit)
            if over:
                container = next(c for c in running if c.name == over)
                container.reason = memory_limit.OUT_OF_MEMORY
                memory_limit.kill_tree(container.process.pid)
            with self._changed:
                self._changed.wait(memory_limit.POLL_INTERVAL_S)

    def _wait_for_the_end(self) -> None:
        with self._changed:
            self._changed.wait_for(
                lambda: self.stopping or all(c.status == "STOPPED" for c in self.containers)
            )

    def _stop_processes(self) -> None:
        """SIGTERM to each running container, SIGKILL to those still running after their
        stopTimeout; waits until every one has exited."""
        running = [c for c in self.containers if c.process and c.process.poll() is None]
        for container in running:
            with contextlib.suppress(ProcessLookupError):
                container.process.send_signal(signal.SIGTERM)
        for container in running:
            try:
                container.process.wait(timeout=container.stop_timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    container.process.kill()
                container.process.wait()
        with self._changed:
            self._changed.wait_for(
                lambda: all(c.status == "STOPPED" for c in self.containers if c.process)
            )

    def _ship_logs(self) -> None:
        while True:
            done = self.last_status != "RUNNING" or all(
                c.status == "STOPPED" for c in self.containers if c.process
            )
            for container in self.containers:
                container.log.ship()
            if done:
                return
            with self._changed:
                self._changed.wait(LOG_SHIPPING_INTERVAL_S)

    def _failed_to_start(self, reason: str) -> None:
        with self._changed:
            self.desired_status = "STOPPED"
            self.stop_code = "TaskFailedToStart"
            self.stopped_reason = reason
            self.times.setdefault("stoppingAt", now())
        for container in self.containers:
            if container.log:
                container.log.ship()


class TaskFailedToStart(Exception):
    """The task stops before its containers run: the message is its stoppedReason."""
