"""Thin entry points: parse the event, call logic and dal, shape the answer."""
