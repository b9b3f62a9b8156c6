"""Webhooks in: verify, parse, de-duplicate, persist, queue. Nothing is answered here."""
