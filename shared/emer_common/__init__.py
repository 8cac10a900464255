"""emer's common library: message contracts, bus layer, settings, media access and vocabulary.

Every service imports its contracts from here; nothing crosses a process boundary untyped.
"""

__version__ = "0.1.0"
