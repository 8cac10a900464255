"""Model backends of the audio service, behind small protocols and registries."""
