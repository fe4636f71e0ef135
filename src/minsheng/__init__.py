"""Minsheng (民生): doing practical things for the people, measured by their satisfaction."""

__version__ = "0.1.0"
