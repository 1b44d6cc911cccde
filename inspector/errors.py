"""Exceptions the library raises. The CLI turns each into one line on stderr and exit 2."""


class InspectorError(Exception):
    """Base class of every error the tool reports to users."""


class ModelFormatError(InspectorError):
    """The file is not a model the TFLite runtime could load (message names file and object)."""


class UsageError(InspectorError):
    """Bad command-line arguments, configuration or profile."""
