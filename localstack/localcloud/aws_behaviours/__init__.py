"""AWS behaviours the community build lacks or gets wrong, made to behave as AWS does.

Services it cannot run offline (DynamoDB, DynamoDB Streams and Kinesis through moto in
`providers`, JSONata in `jsonata`), CloudFormation resources it stubs or leaves half done, and
Step Functions and Lambda answers shaped as AWS shapes them. localstack/README.md lists each one.
"""
