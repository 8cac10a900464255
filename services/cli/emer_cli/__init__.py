"""emer cli service."""
