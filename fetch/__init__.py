"""The web as a source: fetching feeds and article pages into the corpus. It imports ``index``; never the reverse."""
