"""What every test of the local cloud needs: clients, the deployed stack, waiting with deadlines."""
