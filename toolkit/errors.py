"""User-facing errors: each renders as one line naming the file, key or component and what to do."""


class ToolkitError(Exception):
    """An error caused by user input or environment; the CLI prints it as one line, no traceback."""


class ConfigError(ToolkitError):
    """A configuration key is missing, misspelt or has an invalid value."""


class ComponentError(ToolkitError):
    """A component is unknown, failed to load, is offered twice, or violates its kind's contract."""


class ContractError(ComponentError):
    """A component returned something its kind's contract does not allow (shape, keys)."""


class DataError(ToolkitError):
    """An input file or folder is unusable (unreadable, wrong format, missing category)."""
