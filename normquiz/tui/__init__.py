"""The Textual app: screens, widgets, command palette providers and themes.

Importing this package imports nothing heavy; ``normquiz.tui.app`` holds the app.
"""
