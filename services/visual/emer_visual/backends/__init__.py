"""Expression-classifier backends behind one small Protocol, chosen by name."""

from emer_visual.backends.base import ExpressionBackend
from emer_visual.backends.registry import BACKENDS, create_backend

__all__ = ["BACKENDS", "ExpressionBackend", "create_backend"]
