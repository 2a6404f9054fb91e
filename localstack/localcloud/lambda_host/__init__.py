"""A Lambda runtime executor that runs Python handlers as host processes."""
