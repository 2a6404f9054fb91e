"""Imports a CSV of prospect activity into the prospect-activity table (a Fargate task)."""
