"""Facebook Messenger: webhook verification, parsing and the Send API client."""
