"""The JSON API for other systems: message analysis."""
