"""emer audio service."""
