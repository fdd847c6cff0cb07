"""Shared helpers of the static pages: escaping, the page skeleton with inlined assets, figures to PNG."""
from __future__ import annotations

import functools
import json
import os
import re
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup
from matplotlib.figure import Figure

from toolkit.fileio import atomic_open, atomic_write_text


def asset(name: str) -> str:
    """Text of a file in ``toolkit/report/assets`` (inlined into pages, never linked)."""
    return resources.files("toolkit.report").joinpath("assets", name).read_text(encoding="utf-8")


def safe_name(text: str) -> str:
    """A file-name-safe version of ``text`` (for PNGs and folders written next to a page)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "unnamed"


def relative_url(path: Path, page_dir: Path) -> str:
    """URL of ``path`` relative to the page's folder: forward slashes (so it works from a zip on any OS) and
    percent-encoded (so ``#``, ``?``, ``%`` and spaces in file names stay part of the path)."""
    return quote(Path(os.path.relpath(path, page_dir)).as_posix())


def json_for_script(data) -> str:
    """JSON safe to place inside ``<script type="application/json">`` (no ``</script>`` breakout)."""
    return json.dumps(data, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.cache
def templates() -> jinja2.Environment:
    """The pages' Jinja2 templates (``toolkit/report/templates``); every value is HTML-escaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("toolkit.report", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render(template: str, title: str, script: str = "", **values) -> str:
    """A complete, self-contained HTML document from ``template`` (which extends ``page.html``): inline CSS
    and JS, system fonts, nothing external."""
    return templates().get_template(template).render(
        title=title, css=Markup(asset("page.css")), script=Markup(script), **values)


def page(title: str, body: str, script: str = "") -> str:
    """The page skeleton around ``body``, which must already be HTML."""
    return render("page.html", title, script, body=Markup(body))


def write_page(path: Path, html: str) -> None:
    atomic_write_text(path, html)


def save_figure(figure: Figure, path: Path, dpi: int = 100) -> None:
    """Write a matplotlib figure as PNG atomically (Agg rendering; no pyplot state involved)."""
    with atomic_open(path, "wb") as handle:
        figure.savefig(handle, format="png", dpi=dpi, bbox_inches="tight")
