"""The package version, read by ``suppcheck --version`` and written in every report."""

__version__ = "0.1.0"
