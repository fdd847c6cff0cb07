"""Unique, readable names for an experiment's generated sets (``gen_*`` folders), read from ``generate.yaml``.

A name is the checkpoint (or ensemble) and the noise scale, plus every other generation option whose value
differs between the sets named together (seed, clips per category, precision). Sets whose options still
coincide (e.g. two ensemble specs with the same file name) get their folder name appended, so no two sets
ever share a name and no table row silently replaces another.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import yaml

#: generate.yaml key -> how a differing value is shown
DISTINGUISHING = {
    "seed": lambda v: f"seed {v}",
    "clips_per_category": lambda v: f"{v} clips",
    "precision": str,
}
#: value of an option that older generate.yaml files do not record
DEFAULTS = {"precision": "fp32"}


def read_options(gen_dir: Path) -> dict:
    """The options in ``gen_dir/generate.yaml`` (empty when absent or unreadable)."""
    path = Path(gen_dir) / "generate.yaml"
    try:
        options = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return options if isinstance(options, dict) else {}


def _base_name(options: dict) -> str | None:
    if options.get("ensemble"):
        what = f"ensemble {Path(str(options['ensemble'])).stem}"
    else:
        checkpoints = {str(v) for v in (options.get("checkpoints") or {}).values()}
        if not checkpoints:
            return None
        what = Path(next(iter(checkpoints))).stem if len(checkpoints) == 1 else "several checkpoints"
    scales = sorted({float(v) for v in (options.get("noise_scales") or {}).values()})
    return f"{what}, noise {'/'.join(f'{s:g}' for s in scales)}" if scales else what


def set_names(gen_dirs: Sequence[Path]) -> dict[Path, str]:
    """``{gen_dir: unique name}`` for the given folders (in their order)."""
    options = {Path(d): read_options(Path(d)) for d in gen_dirs}
    differing = [key for key in DISTINGUISHING
                 if len({repr(o.get(key, DEFAULTS.get(key))) for o in options.values() if o}) > 1]
    names = {}
    for gen_dir, opts in options.items():
        base = _base_name(opts)
        if base is None:
            names[gen_dir] = gen_dir.name
            continue
        extra = [DISTINGUISHING[key](opts.get(key, DEFAULTS.get(key, "?"))) for key in differing]
        names[gen_dir] = ", ".join([base, *extra])
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {d: (f"{n} ({d.name})" if counts[n] > 1 and n != d.name else n) for d, n in names.items()}
