"""Answering questions with verbatim, cited excerpts."""
