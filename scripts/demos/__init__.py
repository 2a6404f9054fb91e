"""One module per workflow, each with run(outputs) -> None; scripts/demo.py runs them all."""
