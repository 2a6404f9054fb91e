"""Failed-communications retry: communications stored and queued, sent by a worker, and the
FAILED ones re-sent on a schedule by a state machine."""
