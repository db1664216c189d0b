"""Kaizen: IT service management centred on continual service improvement."""

__version__ = "0.1.0"
