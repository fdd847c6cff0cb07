"""Merge exported listening-test answers and compute mean opinion scores with 95 % confidence intervals.

Per system and category (and pooled over categories as ``all``): MOS of audio quality and category fit
(per-clip ratings) and of diversity (per-set ratings), each with mean ± t(0.975, n-1)·s/√n (no interval
when n < 2), and the DCASE 2023 weighted score (2·quality + 2·fit + diversity) / 5 of the three means.
"""
from __future__ import annotations

import json
import logging
import math
import reprlib
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure
from scipy import stats

from toolkit.errors import DataError
from toolkit.fileio import atomic_write_text
from toolkit.report.html import render, save_figure, write_page
from toolkit.report.listening_test import ANSWERS_FORMAT, KEY_FORMAT, REFERENCE_NAME, SCALE
from toolkit.report.order import MAX_SEED

logger = logging.getLogger(__name__)

RESULTS_FORMAT = "foley-listening-results/1"
CRITERIA = ("quality", "fit", "diversity")
WEIGHTS = {"quality": 2, "fit": 2, "diversity": 1}
ALL = "all"


@dataclass
class Answers:
    """One listener's accepted answers: clip id -> {quality, fit}, set id -> diversity (None = not rated)."""

    path: Path
    listener: str
    seed: int
    clips: dict[str, dict[str, int | None]] = field(default_factory=dict)
    sets: dict[str, int | None] = field(default_factory=dict)
    played: set[str] = field(default_factory=set)

    def unplayed(self, key: dict) -> tuple[set[str], set[str]]:
        """Clip ids and set ids whose ratings were given without playing (for a set: any of its clips)."""
        clips = {c for c, entry in self.clips.items() if c not in self.played and any(v is not None for v in entry.values())}
        sets = {s for s, value in self.sets.items() if value is not None and any(
            item["set"] == s and c not in self.played for c, item in key["clips"].items())}
        return clips, sets

    def unplayed_count(self, key: dict) -> int:
        clips, sets = self.unplayed(key)
        return sum(v is not None for c in clips for v in self.clips[c].values()) + len(sets)

    def count(self) -> int:
        rated = sum(v is not None for clip in self.clips.values() for v in clip.values())
        return rated + sum(v is not None for v in self.sets.values())


def _shown(value) -> str:
    """A value from an answers file as an error message shows it: repr, cut short when long or deep."""
    return reprlib.repr(value)


#: Largest answers file accepted: a rating takes well under 100 bytes, so 4 MiB holds tens of thousands.
MAX_ANSWERS_BYTES = 4 << 20


def _load_json(path: Path, what: str, max_bytes: int | None = None):
    """The parsed JSON of ``path``; any reason it cannot be used is one DataError naming the file."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise DataError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise DataError(f"{what} {path} is a directory, not a JSON file") from None
    except OSError as exc:
        raise DataError(f"{what} {path} cannot be read ({exc.strerror or exc})") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise DataError(f"{what} {path} is larger than {max_bytes >> 20} MiB, the limit for one file; "
                        "export the answers from the test page again")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{what} {path} is not valid JSON ({exc})") from None
    except RecursionError:
        raise DataError(f"{what} {path} is nested too deeply to be a {what}") from None


def load_key(path: Path) -> dict:
    """The key written by ``toolkit listening-test`` (item id -> system, category, source)."""
    key = _load_json(path, "key file")
    if not isinstance(key, dict) or key.get("format") != KEY_FORMAT:
        raise DataError(f"key file {path} is not a listening-test key ('format' must be '{KEY_FORMAT}')")
    for name in ("test_id", "sets", "clips", "systems"):
        if name not in key:
            raise DataError(f"key file {path}: missing key '{name}'")
    return key


def _rating(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not SCALE[0] <= value <= SCALE[1]:
        raise DataError(f"{where}: rating {_shown(value)} is not an integer from {SCALE[0]} to {SCALE[1]}")
    return value


def read_answers(path: Path, key: dict) -> Answers:
    """Validate one exported answers file against the key; any problem is one DataError naming the file."""
    doc = _load_json(path, "answers file", MAX_ANSWERS_BYTES)
    if not isinstance(doc, dict) or doc.get("format") != ANSWERS_FORMAT:
        raise DataError(f"{path} is not a listening-test answers file ('format' must be '{ANSWERS_FORMAT}')")
    if doc.get("test_id") != key["test_id"]:
        raise DataError(
            f"{path} answers test {_shown(doc.get('test_id'))}, but the key is for test {key['test_id']!r}; "
            "pass the key.json written with this test"
        )
    listener, seed = doc.get("listener"), doc.get("seed")
    if not isinstance(listener, str) or not listener.strip():
        raise DataError(f"{path}: 'listener' must be a non-empty string")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise DataError(f"{path}: 'seed' must be an integer from 0 to {MAX_SEED}")
    clips, sets = doc.get("clips"), doc.get("sets")
    if not isinstance(clips, dict) or not isinstance(sets, dict):
        raise DataError(f"{path}: 'clips' and 'sets' must be objects")
    answers = Answers(Path(path), listener.strip(), seed)
    for clip_id, entry in clips.items():
        if clip_id not in key["clips"]:
            raise DataError(f"{path}: unknown clip id {_shown(clip_id)} (not in the key)")
        if not isinstance(entry, dict):
            raise DataError(f"{path}: clip {_shown(clip_id)} must be an object")
        answers.clips[clip_id] = {c: _rating(entry.get(c), f"{path}: clip {clip_id} {c}") for c in ("quality", "fit")}
        if entry.get("played") is True:
            answers.played.add(clip_id)
    for set_id, entry in sets.items():
        if set_id not in key["sets"]:
            raise DataError(f"{path}: unknown set id {_shown(set_id)} (not in the key)")
        if not isinstance(entry, dict):
            raise DataError(f"{path}: set {_shown(set_id)} must be an object")
        answers.sets[set_id] = _rating(entry.get("diversity"), f"{path}: set {set_id} diversity")
    if answers.count() == 0:
        raise DataError(f"{path}: contains no ratings")
    return answers


def merge_answers(paths: list[Path], key: dict) -> tuple[list[Answers], list[dict]]:
    """Accepted answers and ``[{file, reason}]`` for rejected files (malformed, or a repeated listener+seed)."""
    accepted: list[Answers] = []
    rejected: list[dict] = []
    seen: dict[tuple[str, int], Path] = {}
    total = 2 * len(key["clips"]) + len(key["sets"])
    for path in paths:
        try:
            answers = read_answers(Path(path), key)
        except DataError as exc:
            rejected.append({"file": str(path), "reason": str(exc)})
            logger.warning("rejected %s", exc)
            continue
        ident = (answers.listener, answers.seed)
        if ident in seen:
            reason = (f"{path}: duplicate of {seen[ident]} (same listener id {_shown(answers.listener)} and seed "
                      f"{answers.seed}); keep one of them")
            rejected.append({"file": str(path), "reason": reason})
            logger.warning("rejected %s", reason)
            continue
        seen[ident] = Path(path)
        if answers.count() < total:
            logger.warning("%s: %d of %d ratings missing; using the given ones", path, total - answers.count(), total)
        accepted.append(answers)
    return accepted, rejected


def summarise(values: list[int]) -> dict:
    """n, mean, sample standard deviation and the 95 % t interval half-width (None when n < 2)."""
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "ci95": None}
    mean = sum(values) / n
    if n < 2:
        return {"n": n, "mean": mean, "sd": None, "ci95": None}
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return {"n": n, "mean": mean, "sd": sd, "ci95": float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)}


def weighted_score(means: dict) -> float | None:
    """DCASE 2023 weighted score (2·quality + 2·fit + diversity) / 5; None when a criterion has no rating."""
    if any(means.get(c) is None for c in CRITERIA):
        return None
    return sum(WEIGHTS[c] * means[c] for c in CRITERIA) / sum(WEIGHTS.values())


def aggregate(accepted: list[Answers], key: dict, exclude_unplayed: bool = False) -> list[dict]:
    """One row per system and category (category order of the task, then ``all``) with the three MOS;
    ``exclude_unplayed`` leaves out ratings of clips (and sets) that were not played."""
    ratings: dict[tuple[str, str], dict[str, list[int]]] = {}

    def add(system: str, category: str, criterion: str, value: int | None) -> None:
        if value is None:
            return
        for cat in (category, ALL):
            ratings.setdefault((system, cat), {c: [] for c in CRITERIA})[criterion].append(value)

    for answers in accepted:
        unplayed_clips, unplayed_sets = answers.unplayed(key) if exclude_unplayed else (set(), set())
        for clip_id, entry in answers.clips.items():
            item = key["clips"][clip_id]
            for criterion in ("quality", "fit"):
                add(item["system"], item["category"], criterion, None if clip_id in unplayed_clips else entry[criterion])
        for set_id, value in answers.sets.items():
            item = key["sets"][set_id]
            add(item["system"], item["category"], "diversity", None if set_id in unplayed_sets else value)
    order = dict.fromkeys(item["category"] for item in key["sets"].values())  # the test's category order
    category_rank = {name: i for i, name in enumerate((*order, ALL))}
    system_rank = {name: i for i, name in enumerate(key["systems"])}
    rows = []
    for (system, category), values in sorted(
        ratings.items(), key=lambda kv: (system_rank.get(kv[0][0], len(system_rank)), kv[0][0],
                                         category_rank.get(kv[0][1], len(category_rank)))
    ):
        row = {"system": system, "category": category,
               "reference": bool(key["systems"].get(system, {}).get("reference", False))}
        row.update({c: summarise(values[c]) for c in CRITERIA})
        row["weighted"] = weighted_score({c: row[c]["mean"] for c in CRITERIA})
        rows.append(row)
    return rows


def _cell(summary: dict) -> str:
    if summary["mean"] is None:
        return "–"
    interval = f" ± {summary['ci95']:.2f}" if summary["ci95"] is not None else ""
    return f"{summary['mean']:.2f}{interval} (n={summary['n']})"


def system_label(name: str, reference: bool) -> str:
    """The system's name, marked once as the reference (``reference`` stays ``reference``)."""
    return f"{name} (reference)" if reference and REFERENCE_NAME not in name.lower() else name


def unplayed_lines(results: dict) -> list[str]:
    """A warning (or note, when excluded) naming the listeners who rated clips they had not played."""
    unplayed = results["unplayed"]
    if not unplayed["ratings"]:
        return []
    who = ", ".join(f"{item['listener']} (seed {item['seed']}): {item['unplayed_ratings']}"
                    for item in results["listeners"] if item["unplayed_ratings"])
    if unplayed["excluded"]:
        return ["", f"Excluded {unplayed['ratings']} rating(s) of clips that were never played: {who}."]
    return ["", f"**Warning:** {unplayed['ratings']} rating(s) were given to clips that were never played "
                f"({who}); they are included. Run again with `--exclude-unplayed` to leave them out."]


def results_markdown(results: dict) -> str:
    lines = [
        f"# Listening test {results['test_id']}", "",
        f"Accepted answer files: {len(results['listeners'])}; rejected: {len(results['rejected'])}.",
        "MOS on the 1–10 scale with 95 % t confidence intervals; weighted = (2·quality + 2·fit + diversity) / 5.",
        *unplayed_lines(results),
        "", "| System | Category | Quality | Fit | Diversity | Weighted |", "|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        name = system_label(row["system"], row["reference"])
        weighted = "–" if row["weighted"] is None else f"{row['weighted']:.2f}"
        lines.append(f"| {name} | {row['category']} | {_cell(row['quality'])} | {_cell(row['fit'])} | "
                     f"{_cell(row['diversity'])} | {weighted} |")
    if results["rejected"]:
        lines += ["", "## Rejected files", ""] + [f"- {item['reason']}" for item in results["rejected"]]
    return "\n".join(lines) + "\n"


def results_figure(results: dict) -> Figure:
    """Four panels (quality, fit, diversity with 95 % intervals; weighted score): bars per system per category.

    A mean of ratings cannot leave the rating scale, so each interval is drawn cut at the scale's ends (a few
    listeners give intervals far wider than the scale); the axis shows the whole scale with room above it, so
    no error bar is clipped, and the legend sits below the panels, where it covers no bar."""
    rows = results["rows"]
    systems = list(dict.fromkeys(r["system"] for r in rows))
    labels = {r["system"]: system_label(r["system"], r["reference"]) for r in rows}
    categories = list(dict.fromkeys(r["category"] for r in rows))
    by_key = {(r["system"], r["category"]): r for r in rows}
    figure = Figure(figsize=(max(6.0, 1.2 * len(categories) * max(1, len(systems)) / 2 + 3), 9), layout="constrained")
    width = 0.8 / max(1, len(systems))
    for index, panel in enumerate((*CRITERIA, "weighted")):
        axes = figure.add_subplot(4, 1, index + 1)
        for s, system in enumerate(systems):
            heights, below, above = [], [], []
            for category in categories:
                row = by_key.get((system, category))
                value = None if row is None else (row["weighted"] if panel == "weighted" else row[panel]["mean"])
                error = (None if row is None or panel == "weighted" else row[panel]["ci95"]) or 0.0
                heights.append(math.nan if value is None else value)
                below.append(0.0 if value is None else value - max(SCALE[0], value - error))
                above.append(0.0 if value is None else min(SCALE[1], value + error) - value)
            positions = [c + (s - (len(systems) - 1) / 2) * width for c in range(len(categories))]
            axes.bar(positions, heights, width, yerr=[below, above], capsize=2, label=labels[system])
        axes.set_ylim(0, SCALE[1] + 1)
        axes.set_ylabel(panel, fontsize=8)
        axes.set_xticks(range(len(categories)), categories if index == 3 else [""] * len(categories),
                        fontsize=7, rotation=20)
        axes.tick_params(axis="y", labelsize=7)
        if index == 0:
            figure.legend(*axes.get_legend_handles_labels(), loc="outside lower center", fontsize=7,
                          ncols=min(4, len(systems)))
    figure.suptitle(f"Listening test {results['test_id']}: MOS with 95 % CI (cut at the {SCALE[0]}–{SCALE[1]} "
                    "scale) and weighted score", fontsize=9)
    return figure


def listening_results(paths: list[Path], key_path: Path, out: Path, exclude_unplayed: bool = False) -> dict:
    """Merge answers, write ``results.{md,json,png,html}`` under ``out``; returns the results document."""
    key = load_key(key_path)
    accepted, rejected = merge_answers(paths, key)
    if not accepted:
        raise DataError(f"none of the {len(paths)} answers file(s) could be used (see the messages above)")
    listeners = [{"file": str(a.path), "listener": a.listener, "seed": a.seed,
                  "unplayed_ratings": a.unplayed_count(key)} for a in accepted]
    unplayed = sum(item["unplayed_ratings"] for item in listeners)
    if unplayed:
        logger.warning("%d rating(s) of clips that were never played: %s", unplayed,
                       "excluded" if exclude_unplayed else "included (--exclude-unplayed leaves them out)")
    results = {
        "format": RESULTS_FORMAT, "test_id": key["test_id"],
        "weights": WEIGHTS, "confidence": 0.95,
        "listeners": listeners,
        "unplayed": {"ratings": unplayed, "excluded": exclude_unplayed},
        "rejected": rejected,
        "rows": aggregate(accepted, key, exclude_unplayed),
    }
    atomic_write_text(out / "results.json", json.dumps(results, indent=2, sort_keys=True) + "\n")
    atomic_write_text(out / "results.md", results_markdown(results))
    save_figure(results_figure(results), out / "results.png")
    write_page(out / "results.html", render("results.html", f"Listening test {results['test_id']}: results",
                                            results=results, label=system_label, cell=_cell,
                                            low=SCALE[0], high=SCALE[1]))
    logger.info("%d listener(s), %d rejected file(s) -> %s", len(accepted), len(rejected), out)
    return results
