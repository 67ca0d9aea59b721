"""normquiz.study: headless application logic, a quiz session from request to saved attempts.

Building a session, the review and cram order, recording attempts: what the
screens drive, testable without a terminal. Imports nothing from textual or rich.
"""
