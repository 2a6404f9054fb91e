"""An inline Map's iterations read the Map state's input in place, not each from a copy of it.

To evaluate an iteration's ItemSelector (or Parameters), LocalStack's inline Map worker deep-
copies the Map state's whole input into the iteration's `$states.input`, and leaves that input
on the iteration's stack, where every Task state's timeout frame deep-copies it again. A Map
over N items whose input holds the N items thus copies N x N values: in the reports workflow's
three-year test (1,096 sub-ranges), py-spy (--gil) put a third of LocalStack's CPU in these
copies.

Neither copy is needed: every read of `$states` copies what it returns, nothing changes the
Map state's input while its iterations run, and below the item's input nothing on the
iteration's stack is ever read. So the selector reads the Map state's input where it is, and
the iteration keeps only the item's input, copied once, as before.
"""

from __future__ import annotations

from localcloud.support.patching import patch_plugin, refuse_unless_present

_ITERATION = (
    "localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration"
)


def read_in_place(states, value) -> None:
    """`states.reset(value)` without its deep copy, for a value only read while it is set."""
    states.reset(input_value=None)
    states._states_data["input"] = value


def select_item_input(worker, env_frame) -> None:
    """The iteration's input: its ItemSelector (or Parameters) over the Map state's input."""
    if not worker._parameters and not worker._item_selector:
        return
    map_state_input = worker._env.stack[-1]
    read_in_place(env_frame.states, map_state_input)
    env_frame.stack.append(map_state_input)
    (worker._item_selector or worker._parameters).eval(env_frame)
    item_input = env_frame.stack.pop()
    env_frame.stack.pop()  # the Map state's input: only the selector reads it
    env_frame.stack.append(item_input)
    env_frame.states.reset(input_value=item_input)


@patch_plugin(
    f"{_ITERATION}.itemprocessor.inline_item_processor_worker",
    requires=(
        "InlineItemProcessorWorker._eval_input",
        "InlineItemProcessorWorker._item_selector",
        "InlineItemProcessorWorker._parameters",
    ),
)
def read_the_map_input_in_place(inline_item_processor_worker):
    from localstack.services.stepfunctions.asl.eval import states

    refuse_unless_present(states, ("States.reset", "States._states_data"))
    inline_item_processor_worker.InlineItemProcessorWorker._eval_input = select_item_input
