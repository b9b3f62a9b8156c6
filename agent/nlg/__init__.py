"""Rasa's NLG endpoint: every bot reply's text, in the customer's language."""
