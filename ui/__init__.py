"""Command line and web interfaces."""
