"""Rasa custom actions (rasa-sdk), run by the action server. None are needed yet: every reply
of the FAQ agent is a response rendered by the app's NLG endpoint."""
