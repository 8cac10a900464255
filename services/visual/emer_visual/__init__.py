"""emer visual service."""
