"""Where a redriven execution goes on, scope by scope, as AWS redrives it: the execution, and each
branch of a Parallel and iteration of an inline Map it ended in, goes on from the state it was in
(the first one for a branch or iteration that had not entered any), with that state's input and
the variables assigned in that scope before it; a branch or iteration that succeeded is not rerun
and its output is kept. AWS: "reschedules and redrives only the iterations and branches that
failed or aborted"; a state that has no Exited event for its Entered event is redriven, so a
branch goes on from its unsuccessful state too, as does a STANDARD child workflow of a redriven
Map Run (sfn_map_run_redrive.py). LocalStack had no redrive (sfn_redrive.py runs it); a Parallel
or Map was rerun whole, every succeeded branch's tasks again.

While an execution runs, each Parallel and inline Map state notes on its scope (`redrive_memo`)
the frame of each branch or iteration, as a Distributed Map notes its Map Run (`map_runs`), the
notes dropped once the state exits (succeeded, or its failure caught): only a state the run ended
in keeps them, even one that failed after its branches all succeeded (in its ResultSelector,
ResultPath or output). RedriveExecution turns the notes into a `Resume` (plain data, taken at
once); the new run's `Program._eval_body` starts each scope at its `Resume`, and a Parallel or Map
runs only the branches or iterations that did not succeed (none, if all did), putting the others'
outputs back in place, then processes its result again.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from localstack.runtime import hooks

from localcloud.support.patching import after_import

_STATE_EXECUTION = "localstack.services.stepfunctions.asl.component.state.state_execution"
_ITERATION = f"{_STATE_EXECUTION}.state_map.iteration"


@dataclass
class Succeeded:
    """A branch or iteration that succeeded: its output, kept, and it is not rerun."""

    output: Any


@dataclass
class Resume:
    """Where a scope goes on: the state it ended in, that state's input, the variables the scope
    had assigned; for a Parallel or Map state, each branch's or iteration's fate by its index
    (`inner`), and the failed Map Run a Distributed Map takes up (`map_run`)."""

    state: str
    state_input: Any
    variables: dict[str, Any]
    inner: dict[int, Succeeded | Resume] = field(default_factory=dict)
    map_run: Any = None


def scope_of(env):
    """The scope an environment evaluates in: a state runs in a frame of its scope's environment
    (`open_frame`), whose attributes are its own, so notes go on the scope."""
    return vars(env).get("redrive_scope", env)


def note_map_run(env, state: str, record) -> None:
    """The Map Run a Distributed Map `state` runs now, noted on its scope."""
    vars(scope_of(env)).setdefault("map_runs", {})[state] = record


def map_run_to_take_up(env, state: str):
    """The failed Map Run the Distributed Map `state` takes up in this run, once; or None."""
    scope = vars(scope_of(env))
    if scope.get("map_run_to_take_up", (None,))[0] != state:
        return None
    return scope.pop("map_run_to_take_up")[1]


def _map_run_to_redrive(scope, state: str):
    """The Map Run of the Distributed Map `state` the scope ended in: a failed one, or one that
    succeeded before the Map failed after it; not one still running (a new one starts)."""
    record = vars(scope).get("map_runs", {}).get(state)
    ended = record is not None and str(record.status) in ("FAILED", "SUCCEEDED")
    return record if ended else None


def resume_of(scope, state: str, state_input: Any) -> Resume:
    """How `scope` (an execution's environment, or a branch's or iteration's frame), which ended
    in `state` with `state_input`, goes on."""
    memo = vars(scope).get("redrive_memo", {}).get(state, {})
    return Resume(
        state=state,
        state_input=copy.deepcopy(state_input),
        variables=copy.deepcopy(scope.variable_store._inner_scope),
        inner={index: fate_of(entry) for index, entry in memo.items()},
        map_run=_map_run_to_redrive(scope, state),
    )


def fate_of(entry) -> Succeeded | Resume:
    """How a branch's, iteration's or child workflow's frame that ran goes on in a redrive."""
    from localstack.services.stepfunctions.asl.eval.program_state import ProgramEnded

    if isinstance(entry, Succeeded):
        return entry
    if isinstance(entry.program_state(), ProgramEnded):
        return Succeeded(entry.states.get_input())
    # A frame's State is its parent's until it enters one of its own: then it reruns from its start.
    entered = entry.states.context_object.context_object_data.get("State") or {}
    return resume_of(entry, entered.get("Name"), entry.states.get_input())


def _state_name(env) -> str:
    return env.states.context_object.context_object_data["State"]["Name"]


def _taken_plan(env, state: str) -> dict[int, Succeeded | Resume]:
    """The fates of `state`'s branches, once: a Retry of the state in the same run reruns all."""
    return vars(scope_of(env)).get("redrive_plan", {}).pop(state, {})


def _noted(env, state: str, fates: dict) -> dict:
    """The note of `state`'s run on its scope: each branch's frame by index, and the succeeded
    ones kept from before (a second redrive leaves them out as well)."""
    frames = {index: fate for index, fate in fates.items() if isinstance(fate, Succeeded)}
    vars(scope_of(env)).setdefault("redrive_memo", {})[state] = frames
    return frames


def _exited(env, state: str) -> None:
    """`state` exited (succeeded, or its failure caught): nothing of it to redrive."""
    scope = vars(scope_of(env))
    for notes in (scope.get("redrive_memo"), scope.get("map_runs")):
        if notes:
            notes.pop(state, None)


def _in_place(count: int, fates: dict, rerun_outputs: list) -> list:
    outputs = iter(rerun_outputs)
    return [
        fates[index].output if isinstance(fates.get(index), Succeeded) else next(outputs)
        for index in range(count)
    ]


def _not_succeeded(count: int, fates: dict) -> list[int]:
    return [index for index in range(count) if not isinstance(fates.get(index), Succeeded)]


class Iterations(list):
    """The items an inline Map runs, with their indices among all its items (`$$.Map.Item.Index`
    stays theirs), where to note each iteration's frame, and their fates from before."""

    def __init__(self, items: list, indices: list[int], frames: dict, fates: dict):
        super().__init__(items)
        self.indices, self.frames, self.fates = indices, frames, fates


@hooks.on_infra_start()
def redrive_scopes_as_aws():
    @after_import(
        "localstack.services.stepfunctions.asl.eval.environment",
        requires=("Environment.open_frame",),
    )
    def keep_frames_in_their_scope(environment_module):
        open_frame = environment_module.Environment.open_frame

        def open_frame_in_scope(self, *args, **kwargs):
            frame = open_frame(self, *args, **kwargs)
            frame.redrive_scope = scope_of(self)
            return frame

        environment_module.Environment.open_frame = open_frame_in_scope

    @after_import(
        "localstack.services.stepfunctions.asl.component.state.state",
        requires=("CommonStateField._eval_body",),
    )
    def forget_states_that_exited(state_module):
        from localstack.services.stepfunctions.asl.eval.program_state import (
            ProgramEnded,
            ProgramRunning,
        )

        eval_body = state_module.CommonStateField._eval_body
        went_on = (ProgramRunning, ProgramEnded)

        def eval_body_forgetting(self, env) -> None:
            eval_body(self, env)  # a failure not caught raises: its notes stay
            if isinstance(env.program_state(), went_on):  # not stopped mid-state
                _exited(env, self.name)

        state_module.CommonStateField._eval_body = eval_body_forgetting

    @after_import(
        "localstack.services.stepfunctions.asl.component.program.program",
        requires=("Program._eval_body",),
    )
    def start_scopes_where_they_ended(program_module):
        eval_body = program_module.Program._eval_body

        def eval_body_resuming(self, env) -> None:
            resume = vars(env).pop("redrive_resume", None)
            if resume is not None and resume.state in self.states.states:
                env.next_state_name = resume.state
                env.states.reset(input_value=resume.state_input)
                for name, value in resume.variables.items():
                    env.variable_store.set(name, value)
                env.variable_store.reset_tracing()  # restored, not assigned by a state
                env.redrive_plan = {resume.state: resume.inner}
                if resume.map_run is not None:  # sfn_map_run_redrive.py takes it up
                    env.map_run_to_take_up = (resume.state, resume.map_run)
            eval_body(self, env)

        program_module.Program._eval_body = eval_body_resuming

    @after_import(
        f"{_STATE_EXECUTION}.state_parallel.branches_decl",
        requires=("BranchesDecl._eval_body",),
    )
    def rerun_unsuccessful_branches(branches_module):
        branches_decl = branches_module.BranchesDecl
        eval_body = branches_decl._eval_body

        def eval_body_redriving(self, env) -> None:
            state, count = _state_name(env), len(self.programs)
            fates = _taken_plan(env, state)
            rerun = _not_succeeded(count, fates)
            frames = _noted(env, state, fates)
            if not rerun:  # all succeeded: the state failed after them, or a stop came
                env.stack.pop()
                return env.stack.append(_in_place(count, fates, []))
            opened = iter(rerun)
            open_inner_frame = env.open_inner_frame

            def open_branch_frame(*args, **kwargs):
                frame = open_inner_frame(*args, **kwargs)  # BranchesDecl opens one a branch
                index = next(opened)
                frames[index] = frame
                if isinstance(fates.get(index), Resume):
                    frame.redrive_resume = fates[index]
                return frame

            env.open_inner_frame = open_branch_frame
            try:
                eval_body(branches_decl([self.programs[i] for i in rerun]), env)
            finally:
                del env.open_inner_frame
            env.stack.append(_in_place(count, fates, env.stack.pop()))

        branches_decl._eval_body = eval_body_redriving

    @after_import(
        f"{_ITERATION}.inline_iteration_component",
        requires=("InlineIterationComponent._eval_body", "JobPool", "JobPool._open_jobs"),
    )
    def rerun_unsuccessful_iterations(component_module):
        component = component_module.InlineIterationComponent
        eval_body = component._eval_body

        class RedrivenJobPool(component_module.JobPool):
            """The jobs of an inline Map's run: each item under its own index, with its Resume."""

            def __init__(self, job_program, job_inputs):
                super().__init__(job_program=job_program, job_inputs=job_inputs)
                self.frames = getattr(job_inputs, "frames", None)
                for job in self._open_jobs if isinstance(job_inputs, Iterations) else ():
                    job.job_index = job_inputs.indices[job.job_index]
                    fate = job_inputs.fates.get(job.job_index)
                    job.redrive_resume = fate if isinstance(fate, Resume) else None

        def eval_body_redriving(self, env) -> None:
            eval_input = env.stack[-1]
            state, items = eval_input.state_name, eval_input.input_items
            fates = _taken_plan(env, state)
            rerun = _not_succeeded(len(items), fates)
            frames = _noted(env, state, fates)
            rerun_items = [items[i] for i in rerun]
            eval_input.input_items = Iterations(rerun_items, rerun, frames, fates)
            eval_body(self, env)
            env.stack.append(_in_place(len(items), fates, env.stack.pop()))

        component_module.JobPool = RedrivenJobPool
        component._eval_body = eval_body_redriving

    @after_import(f"{_ITERATION}.iteration_worker", requires=("IterationWorker._eval_job",))
    def note_iteration_frames(worker_module):
        eval_job = worker_module.IterationWorker._eval_job

        def eval_job_noted(self, env, job) -> None:
            frames = getattr(self._job_pool, "frames", None)
            if frames is not None:  # an inline Map's (a Distributed Map's children are not)
                frames[job.job_index] = env
                if getattr(job, "redrive_resume", None) is not None:
                    env.redrive_resume = job.redrive_resume
            eval_job(self, env, job)

        worker_module.IterationWorker._eval_job = eval_job_noted
