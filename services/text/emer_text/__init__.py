"""emer text service."""
