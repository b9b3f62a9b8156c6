"""The messaging window: who may send what, when, on each channel (pure rules)."""
