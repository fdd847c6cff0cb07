"""``toolkit quality``: is the generated audio audible and varied? Level, quiet share and within-category
correlation of a generated set against the real clips, with the score targets (trained vs untrained).

Writes ``<out>/quality.json`` and ``quality.md`` and prints the table and each target as PASS or FAIL.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from toolkit.bin.app import command_parser, user_errors
from toolkit.errors import DataError
from toolkit.fileio import atomic_write_text
from toolkit.score.inputs import find_audio_set
from toolkit.score.layout import score_files
from toolkit.score.quality import quality_markdown, quality_targets, set_quality
from toolkit.score.report import JSON_NAME


def _score(gen_dir: str | None, like: dict | None = None) -> dict | None:
    """The newest scores of a generated set (``<gen_dir>/score_<hash>/score.json``); with ``like``, the
    newest made with the same embedding, mode and reference (so that the two sets' values compare)."""
    if gen_dir is None:
        return None
    scores = [json.loads(path.read_text(encoding="utf-8")) for path in score_files(gen_dir)]
    if like is not None:
        scores = [s for s in scores if all(s.get(k) == like.get(k) for k in ("embedding", "mode", "reference_dir"))]
    if not scores:
        raise DataError(f"{gen_dir} has no score_*/{JSON_NAME}{' made like the trained set' if like else ''}; "
                        f"run the score stage on {gen_dir} first")
    return scores[-1]


@user_errors
def main(argv=None) -> int:
    parser = command_parser("toolkit quality", __doc__)
    parser.add_argument("generated", help="generated set: a gen_* folder (its audio/ and newest score_*/score.json are read)")
    parser.add_argument("reference", help="real clips: a folder in the DCASE layout or a prepared manifest .jsonl")
    parser.add_argument("--untrained", default=None, help="the untrained model's gen_* folder (FAD/KAD targets)")
    parser.add_argument("--out", default=None, help="output folder [the generated set's folder]")
    parser.add_argument("--max-clips", type=int, default=None, help="clips per category measured [all]")
    args = parser.parse_args(argv)
    gen_dir = Path(args.generated)
    audio_dir = gen_dir / "audio" if (gen_dir / "audio").is_dir() else gen_dir
    generated = set_quality(find_audio_set(audio_dir, "generated"), args.max_clips)
    real = set_quality(find_audio_set(args.reference, "reference"), args.max_clips)
    trained_score = _score(str(gen_dir)) if score_files(gen_dir) else None
    result = quality_targets(generated, real, trained_score, _score(args.untrained, like=trained_score))
    result.update(generated_dir=str(gen_dir.resolve()), reference=str(Path(args.reference).resolve()),
                  untrained_dir=str(Path(args.untrained).resolve()) if args.untrained else None)
    out = Path(args.out) if args.out else gen_dir
    text = "# Audibility and variety against the targets\n\n" + quality_markdown(result)
    atomic_write_text(out / "quality.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(out / "quality.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
