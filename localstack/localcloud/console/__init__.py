"""The local console: every Step Functions execution as a picture, with what it would cost on AWS.

Pure parts (no LocalStack, importable anywhere): `graph` (the state machine as nodes, edges and
nested groups, from its ASL), `history` (the path an execution took, from its history), `cost`
(what it would cost on AWS), `dot` (graphviz layout to SVG) and `page` (the HTML pages). `plugin`
is the part that runs inside LocalStack: the `/_console/` route and the data it reads.
"""
