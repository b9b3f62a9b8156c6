"""Signals computed for every inbound message (language for now)."""
