"""The DM agent: webhooks, the inbound pipeline, the NLG endpoint and the pages."""
