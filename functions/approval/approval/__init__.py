"""Approval workflow: validate two numbers, have a third party double their sum, ask a person to
approve the result by email, then finalize or reject."""
