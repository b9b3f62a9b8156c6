"""What Messenger and Instagram share: Meta's webhook envelope, signature and event shapes."""
