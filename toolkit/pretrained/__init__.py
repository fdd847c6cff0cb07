"""Trained models for use outside the recipe: packages (``toolkit pack``) and :class:`FoleyModel`."""
from toolkit.pretrained.model import FoleyModel
from toolkit.pretrained.pack import pack_experiment
from toolkit.pretrained.package import FORMAT_VERSION, read_package

__all__ = ["FORMAT_VERSION", "FoleyModel", "pack_experiment", "read_package"]
