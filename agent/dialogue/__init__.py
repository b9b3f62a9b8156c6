"""The dialogue engine: Rasa, reached over HTTP."""
