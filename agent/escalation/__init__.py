"""When a conversation goes to a person, and why."""
