"""Presentation: rich renderers that read the data objects of derivations/ and checker/.

This package and cli.py are the only places that import rich.
"""
