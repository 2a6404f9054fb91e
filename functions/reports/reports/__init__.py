"""Report generation (seed 001): a date range split into sub-reports by a Map state, merged into
one CSV, the requester notified."""
