"""Signal-level quality of generated sets: are the clips audible, and do they differ from each other?

Embedding scores (FAD, KAD, category fit) can improve while every clip of a category is near-silent or the
same waveform repeated. These measures look at the waveforms themselves, per category:

- **level**: RMS in dBFS after removing each clip's DC offset, averaged (in dB) over the clips;
- **quiet share**: the share of samples whose magnitude after DC removal is below ``QUIET_AMPLITUDE``;
- **pairwise correlation**: the mean Pearson correlation between the waveforms of every pair of clips
  (real recordings are close to 0; one waveform repeated is close to 1).

:func:`quality_targets` compares a generated set with the real clips and with the scores of the untrained
model against the targets of ``make demo`` (:data:`TARGETS`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from toolkit.score.inputs import AudioSet, read_float_audio

#: Below this magnitude (-60 dBFS) a sample counts as quiet.
QUIET_AMPLITUDE = 1e-3
#: Level given to an all-zero clip (the RMS of one LSB of 16-bit PCM is about -96 dBFS).
SILENCE_DBFS = -120.0


@dataclass(frozen=True)
class Targets:
    """What ``make demo`` asks of the trained model (issue 14)."""

    level_tolerance_db: float = 10.0      # |generated level - real level| per category ...
    level_min_categories: int = 6         # ... within tolerance for at least this many categories
    max_correlation: float = 0.5          # mean within-category pairwise correlation, every category
    fit_min_categories: int = 5           # category fit above chance (1 / number of categories) in this many


TARGETS = Targets()


def level_dbfs(clip: np.ndarray) -> float:
    """RMS level in dBFS of ``clip`` after removing its mean (DC offset)."""
    centred = np.asarray(clip, dtype=np.float64) - np.mean(clip)
    power = float(np.mean(centred**2))
    return SILENCE_DBFS if power <= 10 ** (SILENCE_DBFS / 10) else 10 * np.log10(power)


def quiet_share(clip: np.ndarray, amplitude: float = QUIET_AMPLITUDE) -> float:
    """Share of the samples of ``clip`` whose magnitude after DC removal is below ``amplitude``."""
    centred = np.asarray(clip, dtype=np.float64) - np.mean(clip)
    return float(np.mean(np.abs(centred) < amplitude))


def mean_pairwise_correlation(clips: Sequence[np.ndarray]) -> float | None:
    """Mean Pearson correlation over every pair of equal-length clips (None for fewer than two).

    A constant clip correlates 0 with everything (it carries no waveform to repeat).
    """
    if len(clips) < 2:
        return None
    matrix = np.stack([np.asarray(c, dtype=np.float64) for c in clips])
    matrix = matrix - matrix.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(matrix, axis=1)
    unit = np.divide(matrix, norms[:, None], out=np.zeros_like(matrix), where=norms[:, None] > 0)
    gram = unit @ unit.T
    upper = np.triu_indices(len(clips), k=1)
    return float(np.mean(gram[upper]))


def category_quality(clips: Sequence[np.ndarray]) -> dict[str, float | int | None]:
    """Level, quiet share and pairwise correlation of one category's clips."""
    levels = [level_dbfs(c) for c in clips]
    return {
        "clips": len(clips),
        "level_dbfs": float(np.mean(levels)),
        "quiet_share": float(np.mean([quiet_share(c) for c in clips])),
        "pairwise_correlation": mean_pairwise_correlation(clips),
    }


def set_quality(audio: AudioSet, max_clips: int | None = None) -> dict[str, dict]:
    """:func:`category_quality` of every category of a set (its first ``max_clips`` files each, by name)."""
    result = {}
    for name, paths in audio.files.items():
        clips = [read_float_audio(path)[0] for path in paths[:max_clips]]
        result[name] = category_quality(clips)
    return result


def _per_category(score: Mapping, metric: str) -> dict[str, float | None]:
    return dict(score.get("metrics", {}).get(metric, {}).get("per_category", {}))


def _average(score: Mapping, metric: str) -> float | None:
    return score.get("metrics", {}).get(metric, {}).get("average")


def quality_targets(generated: Mapping[str, dict], real: Mapping[str, dict], trained_score: Mapping | None = None,
                    untrained_score: Mapping | None = None, targets: Targets = TARGETS) -> dict:
    """Per-category figures and the pass/fail of each target.

    ``generated``/``real``: :func:`set_quality` results; ``trained_score``/``untrained_score``: the
    ``score.json`` of the trained and the untrained model's sets (FAD, KAD, category fit), when scored.
    """
    categories = [name for name in generated if name in real]
    fit = _per_category(trained_score or {}, "fit_accuracy")
    chance = 1.0 / len(categories) if categories else 0.0
    rows = {}
    for name in categories:
        gap = generated[name]["level_dbfs"] - real[name]["level_dbfs"]
        rows[name] = {
            "level_dbfs": generated[name]["level_dbfs"],
            "real_level_dbfs": real[name]["level_dbfs"],
            "level_gap_db": gap,
            "quiet_share": generated[name]["quiet_share"],
            "real_quiet_share": real[name]["quiet_share"],
            "pairwise_correlation": generated[name]["pairwise_correlation"],
            "real_pairwise_correlation": real[name]["pairwise_correlation"],
            "fit_accuracy": fit.get(name),
        }
    level_ok = [n for n, r in rows.items() if abs(r["level_gap_db"]) <= targets.level_tolerance_db]
    varied = [n for n, r in rows.items()
              if r["pairwise_correlation"] is not None and r["pairwise_correlation"] < targets.max_correlation]
    fitting = [n for n, r in rows.items() if r["fit_accuracy"] is not None and r["fit_accuracy"] > chance]
    checks = {
        "level": {
            "target": f"level within {targets.level_tolerance_db:g} dB of the real clips in >= "
                      f"{targets.level_min_categories} of {len(rows)} categories",
            "value": f"{len(level_ok)} of {len(rows)}",
            "passed": len(level_ok) >= targets.level_min_categories,
        },
        "variety": {
            "target": f"mean within-category pairwise correlation < {targets.max_correlation:g} in every category",
            "value": f"{len(varied)} of {len(rows)}",
            "passed": len(varied) == len(rows) and bool(rows),
        },
        "category_fit": {
            "target": f"category fit above chance ({chance:.3f}) in >= {targets.fit_min_categories} of {len(rows)} categories",
            "value": f"{len(fitting)} of {len(rows)}" if fit else "not scored",
            "passed": bool(fit) and len(fitting) >= targets.fit_min_categories,
        },
    }
    for metric in ("fad", "kad"):
        trained, untrained = _average(trained_score or {}, metric), _average(untrained_score or {}, metric)
        known = trained is not None and untrained is not None
        checks[metric] = {
            "target": f"{metric.upper()} below the untrained model's",
            "value": f"{trained:.4f} vs {untrained:.4f}" if known else "not scored",
            "passed": known and trained < untrained,
        }
    return {"categories": rows, "checks": checks, "passed": all(c["passed"] for c in checks.values())}


def quality_markdown(result: Mapping) -> str:
    """The figures of :func:`quality_targets` as a Markdown table and a list of targets."""
    lines = ["| category | level dBFS (real) | quiet share (real) | pairwise corr. (real) | fit |",
             "|---|---|---|---|---|"]

    def number(value, digits=2):
        return "n/a" if value is None else f"{value:.{digits}f}"

    for name, row in result["categories"].items():
        lines.append(
            f"| {name} | {row['level_dbfs']:.1f} ({row['real_level_dbfs']:.1f}) | "
            f"{row['quiet_share']:.2f} ({row['real_quiet_share']:.2f}) | "
            f"{number(row['pairwise_correlation'])} ({number(row['real_pairwise_correlation'])}) | "
            f"{number(row['fit_accuracy'])} |"
        )
    lines.append("")
    for name, check in result["checks"].items():
        lines.append(f"- {'PASS' if check['passed'] else 'FAIL'} {name}: {check['value']} ({check['target']})")
    return "\n".join(lines) + "\n"
