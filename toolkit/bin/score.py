"""``toolkit score``: score generated audio against a reference (FAD, KAD, category fit, PRDC).

    toolkit score --generated DIR --reference DIR|STATS_DIR --out DIR
        [--embedding soundnet|vggish] [--mode dcase2023|standard] [--vggish-weights PATH]

Writes ``score.json``, ``score.md`` and ``score.png`` into ``--out``. The recipe uses the Hydra form of the
same stage, :mod:`toolkit.bin.score_stage`. See docs/scoring.md.
"""
from __future__ import annotations

import argparse
import sys

from toolkit.bin.app import command_parser, user_errors
from toolkit.log import stage_log_file
from toolkit.score.cache import DEFAULT_CACHE_DIR
from toolkit.score.pipeline import ScoreOptions, run_scoring, use_all_cores
from toolkit.score.prdc import DEFAULT_K
from toolkit.score.vggish import DEFAULT_URL
from toolkit.score.vggish_frontend import MODES


def parser() -> argparse.ArgumentParser:
    p = command_parser("toolkit score", __doc__)
    p.add_argument("--generated", required=True, metavar="DIR", help="generated set: DIR/<Category>/*.wav")
    p.add_argument("--reference", required=True, metavar="DIR",
                   help="reference audio in the same layout, or a STATS_DIR with <category>/gt_embedding.pkl")
    p.add_argument("--out", required=True, metavar="DIR", help="where score.json, score.md and score.png go")
    p.add_argument("--embedding", default="soundnet", help="soundnet (default, offline) or vggish, or a plugin's")
    p.add_argument("--mode", default=None, choices=MODES,
                   help="dcase2023 (official front end, 100 files per category) or standard; "
                        "default: dcase2023 for vggish, standard otherwise")
    p.add_argument("--vggish-weights", metavar="PATH", help="torchvggish state dict (vggish-10086976.pth)")
    p.add_argument("--vggish-url", default=DEFAULT_URL, help="where to download the VGGish weights from")
    p.add_argument("--vggish-sha256", help="full sha256 of the VGGish weights (default: check the sha256 prefix "
                                           "a torch.hub file name carries, e.g. vggish-10086976.pth)")
    p.add_argument("--cache-dir", default=DEFAULT_CACHE_DIR, help="per-file embedding cache")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    p.add_argument("--scorers", nargs="+", metavar="NAME", help="scorers to run (default: all registered)")
    p.add_argument("--k", type=int, default=DEFAULT_K, help="neighbours for precision/recall/density/coverage")
    p.add_argument("--seed", type=int, default=0, help="seed of the classifier's cross-validation folds")
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", type=int, help="network batch size (default: the embedding's)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: every usable core)")
    return p


@user_errors
def main(argv=None) -> int:
    args = parser().parse_args(argv)
    use_all_cores(args.threads)
    options = ScoreOptions(
        generated_dir=args.generated,
        reference_dir=args.reference,
        out_dir=args.out,
        embedding=args.embedding,
        mode=args.mode,
        vggish_weights=args.vggish_weights,
        vggish_url=args.vggish_url,
        vggish_sha256=args.vggish_sha256,
        cache_dir=None if args.no_cache else args.cache_dir,
        scorers=args.scorers,
        k=args.k,
        seed=args.seed,
        device=args.device,
        batch_size=args.batch_size,
    )
    with stage_log_file("score"):  # a file only under the recipe ($TOOLKIT_LOG_DIR): --out holds the results alone
        result = run_scoring(options)
    for name, metric in result["metrics"].items():
        average = metric["average"]
        print(f"{name:<14} {'n/a' if average is None else f'{average:.4f}'}")
    print(f"wrote {args.out}/score.json, score.md, score.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
