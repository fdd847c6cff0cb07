"""Audition a model in the browser (``toolkit audition PACKAGE``): pick a category, hear variations, download."""
from toolkit.audition.server import AuditionServer
from toolkit.audition.takes import MAX_VARIATIONS, Audition, Take

__all__ = ["MAX_VARIATIONS", "Audition", "AuditionServer", "Take"]
