"""The instance's clock: real time plus an offset that only grows, which tests move forward
(`/_localcloud/clock`), and the LocalStack services that time things made to follow it."""
