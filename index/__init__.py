"""Reading articles, cutting them into passages and keeping the indexes in step."""
