"""emer scoring service."""
