"""The built-in TensorBoard logger: a pluggy plugin implementing the toolkit's logger hooks."""
from __future__ import annotations

from pathlib import Path

from toolkit.hookspecs import hookimpl

#: scalars that TensorBoard's HPARAMS tab shows next to each run's hyperparameters
HPARAM_METRICS = ("valid/mel", "valid/kl", "loss/g/mel")


class TensorBoardLogger:
    """Writes scalars, images and audio to ``<exp_dir>/tensorboard`` (the trainer registers it on rank 0)."""

    def __init__(self, log_dir: str | Path):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(log_dir))

    def log_run(self, step: int, config_yaml: str, hyperparameters: dict) -> None:
        """At the start of a training process: the resolved config as text (tab TEXT, tag ``config``) and the
        hyperparameters (tab HPARAMS, with the :data:`HPARAM_METRICS` as its metric columns)."""
        from torch.utils.tensorboard.summary import hparams

        self.writer.add_text("config", "\n".join("    " + line for line in config_yaml.splitlines()), step)
        for summary in hparams(hyperparameters, dict.fromkeys(HPARAM_METRICS, 0.0)):
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
