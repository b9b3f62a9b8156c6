"""Insight for the brand team: metrics, the dashboard and crisis detection."""
