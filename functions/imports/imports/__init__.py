"""The prospect-activity imports workflow: a CSV put in the imports bucket, checked, then
imported by a Fargate task (containers/importer/) the state machine waits on."""
