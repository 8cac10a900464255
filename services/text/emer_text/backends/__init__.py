"""Text backends behind one small Protocol; ``registry`` builds them from settings."""
