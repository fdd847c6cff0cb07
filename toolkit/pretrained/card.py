"""The model card (``README.md``) of a package: Hub metadata, how to use it, the model, its data, how it was
trained and the experiment's scores for the packed weights."""
from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

from toolkit.pretrained.package import PackageConfig
from toolkit.score.compare import collect, comparison_markdown


@dataclass(frozen=True)
class TrainingRecord:
    """What the experiment says about how the packed weights came about."""

    exp_dir: Path
    checkpoints: dict[str, Path]  # weights file -> the checkpoint it was taken from
    steps: dict[str, int]  # weights file -> training step
    dataset: str
    train_manifest: Path | None
    batch_size: int | None
    license: str
    ensemble: Path | None = None

    @property
    def untrained(self) -> bool:
        return all(step == 0 for step in self.steps.values())


def model_card(config: PackageConfig, record: TrainingRecord, parameters: int, name: str) -> str:
    """The Markdown of a package's ``README.md``."""
    info = config.info
    example = info.categories[0]
    front = {
        "license": record.license,
        "library_name": "foley-toolkit",
        "pipeline_tag": "text-to-audio",
        "tags": ["audio", "foley", "sound-synthesis", "dcase2023-task7", str(config.model["prior_encoder"]["name"])],
    }
    title = f"{name} (untrained)" if record.untrained else name
    lines = ["---", yaml.safe_dump(front, sort_keys=False).strip(), "---", "", f"# {title}", ""]
    if record.untrained:
        lines += ["**Untrained**: the model's random initial weights (step 0), a baseline for comparisons; "
                  "it makes noise, not sounds.", ""]
    lines += [
        f"A category-to-sound Foley model made with the foley toolkit: give it one of {len(info.categories)} sound "
        f"categories and a seed, get a {info.clip_samples / info.sample_rate:g}-second clip.", "",
        "## Use", "", "```python", "from toolkit import FoleyModel", "",
        f'model = FoleyModel.from_pretrained("{name}")      # this folder',
        f'audio = model.generate("{example}", n=10, seed=0)   # float32 numpy [10, {info.clip_samples}]',
        f'model.save(audio, "out/", category="{example}", seed=0)', "```", "", "```bash",
        f"toolkit synth {name} --category {example} -n 10 --seed 0 --out out/", "```", "",
        "## Model", "", "| | |", "|---|---|",
        f"| categories (id order) | {', '.join(info.categories)} |",
        f"| output | {info.sample_rate:,} Hz mono, {info.clip_samples:,} samples, PCM_16 when saved |",
        f"| generator parameters | {parameters:,} |",
    ]
    for slot, component in config.components.items():
        lines.append(f"| {slot} | `{component.name}` ({component.distribution} {component.version}) |")
    lines += [f"| toolkit | foley-toolkit {config.toolkit_version} |", ""]
    lines += _weights_table(config, record)
    lines += _data_section(record) + _training_section(record) + _scores_section(record)
    lines += [
        "## Licence", "",
        f"`{record.license}` (set with `toolkit pack --license`). The weights derive from the training data; "
        "check its licence before publishing.", "",
    ]
    return "\n".join(lines)


def _weights_table(config: PackageConfig, record: TrainingRecord) -> list[str]:
    if not config.is_ensemble:
        (weights, checkpoint), = record.checkpoints.items()
        scales = sorted(set(config.noise_scales.values()))
        return [f"Weights: `{weights}`, from checkpoint `{checkpoint.name}` at step {record.steps[weights]:,}; "
                f"default noise scale {'/'.join(f'{s:g}' for s in scales)}.", ""]
    lines = ["| category | weights | training step | default noise scale |", "|---|---|---|---|"]
    for category in config.info.categories:
        weights = config.weights[category]
        lines.append(f"| {category} | `{weights}` | {record.steps[weights]:,} | {config.noise_scales[category]:g} |")
    return lines + [""]


def _data_section(record: TrainingRecord) -> list[str]:
    lines = ["## Training data", "", f"Dataset `{record.dataset}`."]
    if record.train_manifest is not None:
        counts: dict[str, int] = {}
        for line in record.train_manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                category = json.loads(line)["category"]
                counts[category] = counts.get(category, 0) + 1
        per_category = ", ".join(f"{c} {n}" for c, n in counts.items())
        lines.append(f"{sum(counts.values()):,} training clips ({per_category}).")
    return lines + [""]


def _training_section(record: TrainingRecord) -> list[str]:
    steps = sorted(set(record.steps.values()))
    lines = ["## Training", "", f"Steps: {', '.join(f'{s:,}' for s in steps)}"
             + (f"; batch size {record.batch_size}." if record.batch_size else ".")]
    if record.ensemble is not None:
        lines.append(f"A per-category ensemble chosen by the selection stage (`{record.ensemble.name}`).")
    command = training_command(record.exp_dir)
    lines += ["", "The command that trained it:", "", "```bash", command, "```", ""] if command else \
        ["", "The training command was not recorded in the experiment folder.", ""]
    return lines


def training_command(exp_dir: Path) -> str | None:
    """The recipe's recorded command (``exp/<tag>/run.sh``), else the training overrides Hydra recorded."""
    script = exp_dir / "run.sh"
    if script.is_file():
        commands = [line for line in script.read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("#")]
        return "\n".join(commands) or None
    for overrides in (exp_dir / "hydra" / "train" / ".hydra" / "overrides.yaml", exp_dir / "hydra" / ".hydra" / "overrides.yaml"):
        if overrides.is_file():
            args = yaml.safe_load(overrides.read_text(encoding="utf-8")) or []
            return " ".join(["python -m toolkit.bin.train", *map(shlex.quote, args)])
    return None


def _scores_section(record: TrainingRecord) -> list[str]:
    scored = collect(record.exp_dir, lambda options: _made_from(options, record))
    if not scored:
        return ["## Scores", "", "The experiment holds no scores of these weights (recipe stage 5 writes them).", ""]
    heading, _, *table = comparison_markdown(scored).splitlines()
    table = [line.replace("## ", "### ", 1) if line.startswith("## ") else line for line in table]
    return ["## Scores", "", f"{heading.lstrip('# ')}: the experiment's scored sets made with these weights.", "",
            *table, ""]


def _made_from(options: dict, record: TrainingRecord) -> bool:
    """Whether a generated set's options (``generate.yaml``) used exactly the packed weights."""
    if record.ensemble is not None:
        return bool(options.get("ensemble")) and _same_file(Path(options["ensemble"]), record.ensemble)
    checkpoints = set((options.get("checkpoints") or {}).values())
    return (not options.get("ensemble") and len(checkpoints) == 1
            and _same_file(Path(checkpoints.pop()), next(iter(record.checkpoints.values()))))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
