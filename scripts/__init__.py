"""Developer scripts: set-up, the local stack, benchmarks and evaluations."""
