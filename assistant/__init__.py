"""SEND assistant: grounded, cited answers about SEND support in English schools."""

__version__ = "0.1.0"
