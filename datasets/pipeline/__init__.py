"""The processing pipeline: readers -> processors -> field specifications -> typed records.

Pure code (no ORM, no HTTP): see ``core.py`` for the shared vocabulary.
"""
