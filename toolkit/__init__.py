"""foley toolkit: plugin-based, recipe-driven category-to-sound Foley synthesis (VITS/VIFS).

``from toolkit import FoleyModel`` loads a trained model (see :class:`toolkit.pretrained.FoleyModel`).
"""
from toolkit.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["FoleyModel", "__version__", "hookimpl"]


def __getattr__(name: str):
    if name == "FoleyModel":  # imported on first use: `import toolkit` stays light (no torch)
        from toolkit.pretrained import FoleyModel

        return FoleyModel
    raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
