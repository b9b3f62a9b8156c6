"""The agent console: the web page support staff work escalated conversations from."""
