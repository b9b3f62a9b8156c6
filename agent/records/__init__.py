"""The durable conversation and message record (SQL). Every domain builds on it."""
