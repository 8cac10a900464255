"""emer fusion service."""
