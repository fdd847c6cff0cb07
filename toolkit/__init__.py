"""foley toolkit: plugin-based, recipe-driven category-to-sound Foley synthesis (VITS/VIFS)."""
from toolkit.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]
