"""Financial pre-screening: applications from a Kinesis stream screened by a state machine."""
