"""Where a model's generator weights come from: a checkpoint of an experiment, or a package's safetensors
file. Both rebuild the generator from the resolved model config and load the same state dict."""
from __future__ import annotations

import re
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from toolkit.errors import ConfigError, DataError
from toolkit.train.checkpoint import INITIAL, LAST, CheckpointManager, step_name

_STEP = re.compile(r"^step_?(\d+)$")


def checkpoint_path(exp_dir: str | Path, name: str) -> Path:
    """``last``, ``initial``, ``step_N`` (any zero padding) or a file path -> an existing checkpoint file."""
    directory = CheckpointManager(exp_dir).directory
    if (match := _STEP.match(name)) is not None:
        path = directory / step_name(int(match[1]))
    elif name in ("last", "initial"):
        path = directory / (LAST if name == "last" else INITIAL)
    else:
        path = Path(name)
        if not path.is_file() and not path.is_absolute():
            path = directory / (name if name.endswith(".pt") else f"{name}.pt")
    if not path.is_file():
        available = ", ".join(p.stem for p in sorted(directory.glob("*.pt"))) if directory.is_dir() else "none"
        raise ConfigError(f"checkpoint '{name}': no file {path} (checkpoints of {exp_dir}: {available or 'none'})")
    return path


def save_weights(state_dict: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """The generator's state dict as safetensors (contiguous CPU tensors; no pickle)."""
    tensors = {key: value.detach().cpu().contiguous() for key, value in state_dict.items()}
    save_file(tensors, str(path), metadata=metadata)


def load_weights(model_cfg: dict, path: Path):
    """The :class:`Synthesizer` built from ``model_cfg`` with the weights of the safetensors file ``path``."""
    from toolkit.models.builder import build_generator

    try:
        state = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable safetensors file ({str(exc).splitlines()[0]})") from None
    generator = build_generator(model_cfg)
    try:
        generator.load_state_dict(state)
    except RuntimeError as exc:
        reason = " ".join(str(exc).split())[:300]
        raise DataError(f"{path}: the weights do not fit the model in config.json ({reason})") from None
    return generator.eval()
