"""Shared helpers of the static pages: escaping, the page skeleton with inlined assets, figures to PNG."""
from __future__ import annotations

import json
import os
import re
from html import escape
from importlib import resources
from pathlib import Path

from matplotlib.figure import Figure

from toolkit.fileio import atomic_open, atomic_write_text


def asset(name: str) -> str:
    """Text of a file in ``toolkit/report/assets`` (inlined into pages, never linked)."""
    return resources.files("toolkit.report").joinpath("assets", name).read_text(encoding="utf-8")


def safe_name(text: str) -> str:
    """A file-name-safe version of ``text`` (for PNGs and folders written next to a page)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "unnamed"


def relative_url(path: Path, page_dir: Path) -> str:
    """URL of ``path`` relative to the page's folder (forward slashes, so it works from a zip on any OS)."""
    return Path(os.path.relpath(path, page_dir)).as_posix()


def json_for_script(data) -> str:
    """JSON safe to place inside ``<script type="application/json">`` (no ``</script>`` breakout)."""
    return json.dumps(data, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page(title: str, body: str, script: str = "") -> str:
    """A complete, self-contained HTML document: inline CSS (and JS), system fonts, nothing external."""
    script_tag = f"<script>\n{script}\n</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n<style>\n{asset('page.css')}</style>\n</head>\n<body>\n"
        f"{body}\n{script_tag}</body>\n</html>\n"
    )


def write_page(path: Path, html: str) -> None:
    atomic_write_text(path, html)


def save_figure(figure: Figure, path: Path, dpi: int = 100) -> None:
    """Write a matplotlib figure as PNG atomically (Agg rendering; no pyplot state involved)."""
    with atomic_open(path, "wb") as handle:
        figure.savefig(handle, format="png", dpi=dpi, bbox_inches="tight")


def table(header: list[str], rows: list[list[str]], caption: str = "") -> str:
    """An HTML table; cells are escaped here, so pass plain text."""
    head = "".join(f"<th scope=\"col\">{escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(
            (f"<th scope=\"row\">{escape(cell)}</th>" if i == 0 else f"<td>{escape(cell)}</td>")
            for i, cell in enumerate(row)
        ) + "</tr>\n"
        for row in rows
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table>\n"
