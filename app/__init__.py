"""Dynascope's core: DynamoDB connections, data and rules, with no Qt."""

__all__ = ["__version__"]

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("dynascope")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
