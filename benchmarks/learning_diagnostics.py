"""Why does a trained model sound silent or repetitive? Separate the causes on an experiment's checkpoints.

    python benchmarks/learning_diagnostics.py EXP_DIR [--clips 10] [--out FILE.json]

For every checkpoint in ``EXP_DIR/checkpoints`` (initial, step_*, last) and every category, on the clips of
the experiment's validation dump:

- **posterior**: decode the posterior sample z of a real clip (what training teaches the decoder);
- **prior**: sample as generation does (the inference latent the prior encoder makes of N(0, I) noise,
  z_p = m_p + noise * exp(logs_p) * scale) at several noise scales;
- **prior, posterior latent**: the same, but with the latent condition pooled from a real clip's
  posterior (as in training): shows whether the inference latent N(0, I) is off the training distribution;
- **prior, matched latent**: the inference noise mapped onto the category's latent distribution
  (per-channel mean and std of the pooled posterior latents of the measured clips);
- **KL** of the posterior z_p against the prior, with the training latent and with the inference one;
- statistics of the training latent (global and per channel) against the N(0, I) used at inference;
- the last logged discriminator / generator losses (TensorBoard), for the D/G balance.

Each audio set is summarised with :mod:`toolkit.score.quality` (level, quiet share, pairwise correlation).
Prints a Markdown table per checkpoint and writes everything as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.data.dataset import SpectrogramDataset  # noqa: E402
from toolkit.data.dump import dump_manifest_path  # noqa: E402
from toolkit.models.losses import kl_loss  # noqa: E402
from toolkit.score.quality import category_quality  # noqa: E402
from toolkit.train.checkpoint import TrainedOn, load_generator  # noqa: E402

NOISE_SCALES = (0.0, 0.667, 1.0, 2.0)


def _clips_by_category(cfg, clips: int, split: str) -> dict[int, list[dict]]:
    manifest = dump_manifest_path(cfg.data.dump_dir, split)
    dataset = SpectrogramDataset(manifest, int(cfg.data.sample_rate), int(cfg.data.clip_samples),
                                 cfg.data.get("peak_normalize", 0.95))
    found: dict[int, list[dict]] = {}
    for index in range(len(dataset)):
        category = int(dataset.entries[index]["category_id"])
        if len(found.setdefault(category, [])) < clips:
            found[category].append(dataset[index])
    return found


def _audio(tensor: torch.Tensor) -> list[np.ndarray]:
    return [clip[0].double().numpy() for clip in tensor]


def _quality(clips: list[np.ndarray]) -> dict:
    result = category_quality(clips)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.items()}


@torch.no_grad()
def diagnose_checkpoint(path: Path, clips: int, split: str, noise_scales=NOISE_SCALES, seed: int = 0) -> dict:
    """The figures of the module docstring for one checkpoint."""
    model, cfg = load_generator(path)
    data = _clips_by_category(cfg, clips, split)
    categories = TrainedOn.from_config(cfg, str(path)).categories
    result = {}
    for category, items in sorted(data.items()):
        name = categories[category]
        spec = torch.stack([item["spec"] for item in items])
        real = [item["audio"][0].double().numpy() for item in items]
        ids = torch.full((len(items),), category, dtype=torch.long)
        g = model.emb_g(ids).unsqueeze(-1)
        z, m_q, logs_q = model.posterior_encoder(spec, g)
        z_p = model.flow(z, g)
        latent = model.prior_encoder.latent_from_posterior(z, m_q)
        row = {"real": _quality(real), "posterior": _quality(_audio(model.decoder.synthesize(z, g)))}
        m_p, logs_p = model.prior_encoder(ids, latent, model.num_frames)
        row["kl_training_latent"] = float(kl_loss(z_p, logs_q, m_p, logs_p, "mean"))
        seeds = [seed + 1000 * category + i for i in range(len(items))]
        random_latent, noise = model.draw_noise(seeds)
        if random_latent is not None:
            inference_latent = model.prior_encoder.latent_at_inference(random_latent, ids)
            m_r, logs_r = model.prior_encoder(ids, inference_latent, model.num_frames)
            row["kl_inference_latent"] = float(kl_loss(z_p, logs_q, m_r, logs_r, "mean"))
            row["latent"] = {
                "mean": float(latent.mean()), "std": float(latent.std()),
                "std_across_clips": float(latent.std(0).mean()) if len(items) > 1 else None,
                "abs_channel_mean": float(latent.mean(0).abs().mean()),
            }
        else:
            m_r, logs_r = m_p, logs_p
        row["logs_p"] = float(logs_r.mean())
        row["logs_q"] = float(logs_q.mean())
        row["z_p_std"] = float(z_p.std())
        row["m_p_std_across_frames"] = float(m_r.std(-1).mean())
        for scale in noise_scales:
            z_sample = model.flow(m_r + noise * torch.exp(logs_r) * scale, g, reverse=True)
            row[f"prior_{scale:g}"] = _quality(_audio(model.decoder.synthesize(z_sample, g)))
        if random_latent is not None:
            z_sample = model.flow(m_p + noise * torch.exp(logs_p) * 0.667, g, reverse=True)
            row["prior_posterior_latent_0.667"] = _quality(_audio(model.decoder.synthesize(z_sample, g)))
            # the inference noise mapped onto the category's latent distribution (per-channel mean and std)
            matched = latent.mean(0) + latent.std(0) * random_latent
            m_m, logs_m = model.prior_encoder(ids, matched, model.num_frames)
            z_sample = model.flow(m_m + noise * torch.exp(logs_m) * 0.667, g, reverse=True)
            row["prior_matched_latent_0.667"] = _quality(_audio(model.decoder.synthesize(z_sample, g)))
        result[name] = row
    return result


def logged_losses(exp_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """Scalars of the experiment's TensorBoard log (empty when there is none)."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        return {}
    folder = exp_dir / "tensorboard"
    if not folder.is_dir():
        return {}
    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def _checkpoints(exp_dir: Path) -> list[Path]:
    folder = exp_dir / "checkpoints"
    steps = sorted(folder.glob("step_*.pt"))
    return [p for p in [folder / "initial.pt", *steps] if p.is_file()]


def markdown(name: str, rows: dict) -> str:
    lines = [f"### {name}", "",
             "| category | real dB | posterior dB | prior 0.667 dB | prior 1 dB | prior 2 dB | prior, post. latent dB | prior, matched latent dB "
             "| quiet (prior 0.667) | corr. (prior 0.667) | corr. (prior 2) | KL train latent | KL inference latent |",
             "|---|" + "---|" * 12]
    def number(value, digits):
        return "n/a" if value is None else f"{value:.{digits}f}"

    for category, r in rows.items():
        def db(key):
            return number(r[key]["level_dbfs"], 1) if key in r else "n/a"
        lines.append(
            f"| {category} | {db('real')} | {db('posterior')} | {db('prior_0.667')} | {db('prior_1')} | "
            f"{db('prior_2')} | {db('prior_posterior_latent_0.667')} | {db('prior_matched_latent_0.667')} | {r['prior_0.667']['quiet_share']:.2f} | "
            f"{number(r['prior_0.667']['pairwise_correlation'], 2)} | {number(r['prior_2']['pairwise_correlation'], 2)} | "
            f"{r['kl_training_latent']:.3f} | {number(r.get('kl_inference_latent'), 3)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exp_dir", type=Path)
    parser.add_argument("--clips", type=int, default=10, help="clips per category (>= 2) from the dump of --split")
    parser.add_argument("--split", default="valid", choices=("train", "valid"))
    parser.add_argument("--out", type=Path, default=None, help="JSON output (default EXP_DIR/learning_diagnostics.json)")
    args = parser.parse_args(argv)
    if args.clips < 2:
        parser.error("--clips must be at least 2 (correlations and latent spreads need pairs)")
    torch.manual_seed(0)
    result = {"checkpoints": {}, "losses": {}}
    for path in _checkpoints(args.exp_dir):
        rows = diagnose_checkpoint(path, args.clips, args.split)
        result["checkpoints"][path.stem] = rows
        print(markdown(path.stem, rows), flush=True)
    losses = logged_losses(args.exp_dir)
    result["losses"] = {tag: values for tag, values in losses.items() if tag.startswith(("loss/", "valid/"))}
    out = args.out or args.exp_dir / "learning_diagnostics.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
