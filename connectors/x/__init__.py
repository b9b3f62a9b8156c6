"""X (Twitter) direct messages: CRC, signature, both webhook envelopes, the v2 send API."""
