"""The built-in TensorBoard logger: a pluggy plugin implementing the toolkit's logger hooks."""
from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from toolkit.config import flatten
from toolkit.hookspecs import hookimpl

#: scalars that TensorBoard's HPARAMS tab shows next to each run's hyperparameters
HPARAM_METRICS = ("valid/mel", "valid/kl", "loss/g/mel")


def hyperparameters(config: dict) -> dict[str, bool | int | float | str]:
    """Every model, data and train setting of a resolved config and the seed, flat (``model.loss.mel``), as
    TensorBoard's HPARAMS tab takes them: lists as their text, null as ``null``."""
    flat = {"seed": config["seed"]}
    for group in ("model", "data", "train"):
        flat.update(flatten(config[group], group))
    return {key: value if isinstance(value, (bool, int, float, str)) else "null" if value is None else str(value)
            for key, value in flat.items()}


class TensorBoardLogger:
    """Writes scalars, images and audio to ``<exp_dir>/tensorboard`` (the trainer registers it on rank 0)."""

    def __init__(self, log_dir: str | Path):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(log_dir))

    @hookimpl
    def toolkit_log_start(self, exp_dir, config, rank, world_size, step):
        """The resolved config as text (tab TEXT, tag ``config``) and the hyperparameters (tab HPARAMS, with the
        :data:`HPARAM_METRICS` as its metric columns), each time a training process starts."""
        from torch.utils.tensorboard.summary import hparams

        text = OmegaConf.to_yaml(OmegaConf.create(config))
        self.writer.add_text("config", "\n".join("    " + line for line in text.splitlines()), step)
        for summary in hparams(hyperparameters(config), dict.fromkeys(HPARAM_METRICS, 0.0)):
            self.writer.file_writer.add_summary(summary, step)

    @hookimpl
    def toolkit_log_scalars(self, step, scalars):
        for tag, value in scalars.items():
            self.writer.add_scalar(tag, value, step)

    @hookimpl
    def toolkit_log_images(self, step, images):
        for tag, image in images.items():
            self.writer.add_image(tag, image, step, dataformats="HWC")

    @hookimpl
    def toolkit_log_audio(self, step, clips, sample_rate):
        for tag, clip in clips.items():
            self.writer.add_audio(tag, clip, step, sample_rate=sample_rate)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
