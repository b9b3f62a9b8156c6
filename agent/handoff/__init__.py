"""Human handoff: escalation queue, teams, business hours."""
