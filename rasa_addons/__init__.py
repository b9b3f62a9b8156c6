"""Extensions loaded by the Rasa server (Python 3.10 environment)."""
