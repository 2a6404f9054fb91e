"""Report generation: a date range split into sub-reports by a Map state, merged into
one CSV, the requester notified."""
