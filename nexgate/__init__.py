"""Nexgate: the social commerce platform's server."""
__version__ = "0.1.0"
