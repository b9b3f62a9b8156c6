"""The inbound pipeline: stream → worker → Rasa → outbox → platform."""
