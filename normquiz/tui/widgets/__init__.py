"""Reusable widgets of the quiz app (the demos' widgets live beside them, see tui/demos)."""
