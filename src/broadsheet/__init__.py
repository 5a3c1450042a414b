"""broadsheet: structured content and a newspaper layout in, print-ready PDF out."""

__version__ = "0.2.1"
