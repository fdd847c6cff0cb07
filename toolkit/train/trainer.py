"""The GAN training loop of VITS/VIFS: a discriminator step then a generator step per batch.

Per batch (VIFS_SPEC §10, without the reference's bugs): the generator decodes a random window of the
posterior; the augmentation (PhaseAug) transforms the full-rate real and fake windows alike, the
discriminator step sees the fake detached, the generator step a new draw against the updated
discriminator; the generator loss is adv + fm + mel + kl + latent, weighted by ``model.loss``; AdamW for
both, ExponentialLR per epoch and gradient value clipping on the generator. A step with a non-finite loss
is skipped whole (the discriminator's update is undone). Checkpoints, resume, DDP, mixed precision and the
logger hooks (start, scalars/images/audio, close) are handled here too; rank 0 alone writes and logs.
"""
from __future__ import annotations

import logging
import random
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from toolkit.blocks.commons import slice_segments
from toolkit.categories import CategorySet, dataset_categories
from toolkit.data.dataset import DEFAULT_PEAK, EpochLoader, SpectrogramDataset
from toolkit.data.dump import check_dump, dump_manifest_path, stft_settings
from toolkit.errors import ConfigError, DataError
from toolkit.features import mel_spectrogram, spec_to_mel
from toolkit.fileio import atomic_write_text
from toolkit.models import losses
from toolkit.models.builder import build_augmentation, build_discriminator, build_generator
from toolkit.plugins import get_plugin_manager
from toolkit.train.checkpoint import CheckpointManager, saved_config
from toolkit.train.compat import setting_changes, shapes_model
from toolkit.train.distributed import DistributedContext
from toolkit.train.images import mel_images
from toolkit.train.nonfinite import NonFiniteGuard, UpdateSnapshot
from toolkit.train.precision import Precision
from toolkit.train.rng import capture_rng, restore_rng
from toolkit.train.tensorboard_logger import TensorBoardLogger

logger = logging.getLogger(__name__)



def check_manifest_categories(manifest: Path, entries: list[dict], categories: CategorySet) -> None:
    """One :class:`DataError` when a manifest's category ids or names disagree with the category set."""
    for entry in entries:
        category_id, name = int(entry["category_id"]), entry.get("category")
        if not 0 <= category_id < len(categories) or (name is not None and categories[category_id] != name):
            raise DataError(
                f"{manifest} lists category '{name}' with id {category_id}, but the category set is "
                f"{', '.join(categories)}; rerun the prepare and dump stages"
            )


def _set_requires_grad(module: nn.Module, flag: bool) -> None:
    for parameter in module.parameters():
        parameter.requires_grad_(flag)


def _clip_grad_value(module: nn.Module, value: float) -> None:
    """Clamp every gradient element to [-value, value] (one pass per tensor, unlike clip_grad_value_'s two)."""
    for parameter in module.parameters():
        if parameter.grad is not None:
            parameter.grad.clamp_(-value, value)


def _grad_norm(module: nn.Module) -> Tensor:
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return torch.nn.utils.get_total_norm(grads) if grads else torch.zeros(())


class Trainer:
    """Builds the models, data, optimisers and logger from a composed config and trains them (:meth:`fit`)."""

    def __init__(self, cfg: DictConfig, context: DistributedContext | None = None, rerun: str | None = None):
        """``rerun``: the shell command that reruns this training, named by the divergence advice."""
        # the data's category set goes into the config (model.n_categories follows it) and every checkpoint
        self.categories = dataset_categories(cfg.data)
        cfg = OmegaConf.create(OmegaConf.to_container(cfg))
        cfg.data.categories = list(self.categories)
        # a plain resolved copy: safe to hand to workers, DDP ranks and config.yaml (STYLE §3.1)
        self.cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
        self.ctx = context or DistributedContext()
        self.device = self.ctx.device
        train = self.cfg.train
        self.exp_dir = Path(self.cfg.exp_dir)
        if train.max_steps is None and train.epochs is None:
            raise ConfigError("set train.max_steps or train.epochs (both are null)")

        seed = int(self.cfg.seed)
        torch.manual_seed(seed + self.ctx.rank)
        random.seed(seed + self.ctx.rank)
        self.numpy_rng = np.random.default_rng([seed, self.ctx.rank])
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True

        model_cfg = self.cfg.model
        self.stft = stft_settings(self.cfg.data)
        self.weights = losses.LossWeights.from_config(model_cfg.get("loss"))
        self.precision = Precision(train.precision, self.device)
        self.hop_length = int(model_cfg.hop_length)
        self.segment_size = int(model_cfg.segment_size)
        if self.hop_length != self.stft.hop_length:
            raise ConfigError(
                f"model.hop_length={self.hop_length} differs from data.stft.hop_length={self.stft.hop_length}"
            )
        self.guard = NonFiniteGuard(int(train.max_nonfinite_steps), self._divergence_advice(rerun))
        self.checkpoints = CheckpointManager(self.exp_dir, train.keep_checkpoints)
        self.train_loader = self._loader("train", shuffle=True, rank=self.ctx.rank, world_size=self.ctx.world_size)
        self.valid_loader = None
        if self.ctx.is_main and self.cfg.data.get("valid_manifest") is not None:
            self.valid_loader = self._loader("valid", shuffle=False, rank=0, world_size=1)

        self.generator = build_generator(model_cfg).to(self.device)
        self.discriminator = build_discriminator(model_cfg).to(self.device)
        self.augmentation = build_augmentation(model_cfg).to(self.device)
        if self.ctx.is_main:
            for line in losses.zero_weight_warnings(self.weights, self.generator.prior_encoder,
                                                    str(model_cfg.prior_encoder.name)):
                logger.warning("%s", line)

        self.optim_g, self.sched_g = self._optimiser(self.generator)
        self.optim_d, self.sched_d = self._optimiser(self.discriminator)
        self.scaler_g = self.precision.grad_scaler()
        self.scaler_d = self.precision.grad_scaler()
        self.d_snapshot = UpdateSnapshot(self.discriminator, self.optim_d, self.scaler_d)

        # run_*: what the loop calls (compiled and/or DDP-wrapped); generator/discriminator hold the weights
        self.run_g = torch.compile(self.generator) if train.compile else self.generator
        self.run_d = torch.compile(self.discriminator) if train.compile else self.discriminator
        self.run_d_step = self.run_d
        if self.ctx.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            unused = bool(train.find_unused_parameters)
            self.run_g = DistributedDataParallel(self.run_g, device_ids=ids, find_unused_parameters=unused)
            self.run_d_step = DistributedDataParallel(self.run_d, device_ids=ids, find_unused_parameters=unused)

        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self._resume()

    # -- set-up --------------------------------------------------------------------------------------
    def _optimiser(self, module: nn.Module):
        optim = self.cfg.model.optim
        optimiser = torch.optim.AdamW(
            module.parameters(), lr=optim.learning_rate, betas=tuple(optim.betas), eps=optim.eps,
            weight_decay=optim.weight_decay, fused=self.device.type in ("cpu", "cuda"),  # one kernel: ~5x faster
        )
        return optimiser, torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=optim.lr_decay)

    def _apply_optim_settings(self) -> None:
        """Give resumed optimisers and schedules the configured ``model.optim`` (the learning rate that its
        schedule gives at this epoch)."""
        optim = self.cfg.model.optim
        for optimiser, schedule in ((self.optim_g, self.sched_g), (self.optim_d, self.sched_d)):
            schedule.gamma = optim.lr_decay
            schedule.base_lrs = [optim.learning_rate] * len(optimiser.param_groups)
            lr = optim.learning_rate * optim.lr_decay ** schedule.last_epoch
            for group in optimiser.param_groups:
                group.update(initial_lr=optim.learning_rate, lr=lr, betas=tuple(optim.betas), eps=optim.eps,
                             weight_decay=optim.weight_decay)

    def _divergence_advice(self, rerun: str | None) -> str:
        """How to resume after divergence: a tenth of the learning rate, with the command when it is known."""
        override = f"model.optim.learning_rate={float(self.cfg.model.optim.learning_rate) / 10:g}"
        alternative = "" if self.precision.name == "fp32" else " (or train.precision=fp32)"
        if rerun is None:
            return f"resume from the last checkpoint with a lower learning rate{alternative}, e.g. {override}"
        return f"resume from the last checkpoint with a lower learning rate{alternative}: {rerun} {override}"

    def _loader(self, split: str, *, shuffle: bool, rank: int, world_size: int) -> EpochLoader:
        data, train = self.cfg.data, self.cfg.train
        manifest = dump_manifest_path(data.dump_dir, split)
        if not manifest.is_file():
            raise DataError(f"{manifest} does not exist; prepare and dump the data first (./run.sh --stage 0 --stop-stage 2 in the recipe)")
        peak = data.get("peak_normalize", DEFAULT_PEAK)
        dataset = SpectrogramDataset(manifest, int(data.sample_rate), int(data.clip_samples), peak)
        check_dump(manifest, dataset.entries, self.stft, int(data.clip_samples), peak)
        check_manifest_categories(manifest, dataset.entries, self.categories)
        return EpochLoader(
            dataset, int(train.batch_size), seed=int(self.cfg.seed), rank=rank, world_size=world_size,
            shuffle=shuffle, drop_last=shuffle, num_workers=int(train.num_workers),
            pin_memory=bool(train.pin_memory) and self.device.type == "cuda",
        )

    # -- checkpoints -----------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to continue exactly; every rank must call it (RNG states are gathered)."""
        return {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "optim_g": self.optim_g.state_dict(),
            "optim_d": self.optim_d.state_dict(),
            "sched_g": self.sched_g.state_dict(),
            "sched_d": self.sched_d.state_dict(),
            "scaler_g": self.scaler_g.state_dict(),
            "scaler_d": self.scaler_d.state_dict(),
            "step": self.step,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "nonfinite": self.guard.state_dict(),
            "rng": self.ctx.gather(capture_rng(self.numpy_rng)),
            "config": OmegaConf.to_yaml(self.cfg),
        }

    def _model_changes(self, saved_model: DictConfig) -> dict[str, tuple]:
        """``{key: (saved, now)}`` for each model setting that differs from the checkpoint's; raises a
        :class:`ConfigError` when one shapes the model (a slot node or a shared dimension)."""
        changes = setting_changes(OmegaConf.to_container(saved_model), OmegaConf.to_container(self.cfg.model), "model")
        shaping = [key for key in changes if shapes_model(key)]
        if shaping:
            listed = "; ".join(f"{key}: {changes[key][0]} in the checkpoint, {changes[key][1]} now" for key in shaping)
            raise ConfigError(
                f"the checkpoints in {self.checkpoints.directory} hold another model ({listed}); "
                "use a new exp_dir or the checkpoint's model settings"
            )
        for key, (before, after) in changes.items():
            logger.info("resuming with %s=%s (the checkpoint has %s)", key, after, before)
        return changes

    def load_state_dict(self, state: dict) -> None:
        saved = saved_config(state)
        saved_categories = OmegaConf.select(saved, "data.categories")
        if saved_categories is not None and list(saved_categories) != list(self.categories):
            raise ConfigError(
                f"the checkpoints in {self.checkpoints.directory} were trained on the categories "
                f"{', '.join(saved_categories)}, the data has {', '.join(self.categories)}; use a new exp_dir"
            )
        changes = self._model_changes(saved.model)
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        for name in ("optim_g", "optim_d", "sched_g", "sched_d", "scaler_g", "scaler_d"):
            getattr(self, name).load_state_dict(state[name])
        if any(key.startswith("model.optim.") for key in changes):
            self._apply_optim_settings()
        self.step, self.epoch, self.batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
        self.guard.load_state_dict(state["nonfinite"])
        if len(state["rng"]) == self.ctx.world_size:
            restore_rng(state["rng"][self.ctx.rank], self.numpy_rng)
        else:
            logger.warning(
                "checkpoint has RNG states for %d processes, this run has %d: random draws are reseeded",
                len(state["rng"]), self.ctx.world_size,
            )
            torch.manual_seed(int(self.cfg.seed) + self.ctx.rank + self.step)

    def _resume(self) -> None:
        if self.ctx.is_main:
            self.checkpoints.remove_partial_writes()
        found = self.checkpoints.load_latest()
        if found is None:
            return
        state, path = found
        self.load_state_dict(state)
        logger.info("resumed from %s: step %d, epoch %d, batch %d", path, self.step, self.epoch, self.batch_in_epoch)

    def save(self, periodic: bool) -> None:
        state = self.state_dict()
        if self.ctx.is_main:
            self.checkpoints.save(state, periodic)

    # -- one batch ---------------------------------------------------------------------------------------
    def _real_targets(self, audio: Tensor, spec: Tensor, starts: Tensor) -> tuple[Tensor, Tensor]:
        """The real waveform window and its log-mel (from the cached spectrogram's frames)."""
        real = slice_segments(audio, starts * self.hop_length, self.segment_size)
        frames = self.segment_size // self.hop_length
        return real, spec_to_mel(slice_segments(spec, starts, frames), self.stft)

    def _kl(self, out) -> Tensor:
        """The KL term, computed in fp32 (its exp() of bf16/fp16 activations would lose precision)."""
        stats = (out.z_p, out.logs_q, out.m_p, out.logs_p)
        return losses.kl_loss(*(t.float() for t in stats), self.weights.kl_reduction)

    def _generator_losses(self, out, mel_fake: Tensor, mel_real: Tensor, d_out) -> dict[str, Tensor]:
        terms = {
            "adv": losses.adversarial_loss(d_out.fake_logits),
            "fm": losses.feature_matching_loss(d_out.real_features, d_out.fake_features),
            "mel": losses.mel_loss(mel_fake, mel_real),
            "kl": self._kl(out),
        }
        w = self.weights
        total = w.adv * terms["adv"] + w.fm * terms["fm"] + w.mel * terms["mel"] + w.kl * terms["kl"]
        for name, value in out.latent_losses.items():
            terms[f"latent_{name}"] = value
            total = total + w.latent * value
        terms["total"] = total
        return terms

    def train_step(self, batch: dict[str, Tensor], log: bool = False) -> dict[str, Tensor]:
        """One discriminator and one generator update; returns detached losses (and grad norms if ``log``)."""
        audio = batch["audio"].to(self.device, non_blocking=True)
        spec = batch["spec"].to(self.device, non_blocking=True)
        categories = batch["category_id"].to(self.device, non_blocking=True)
        precision = self.precision

        with precision.autocast():
            out = self.run_g(categories, spec)
        fake = out.heads[-1].float()
        with precision.fp32():
            real, mel_real = self._real_targets(audio, spec, out.window_starts)
            mel_fake = mel_spectrogram(fake, self.stft)

        # discriminator step: fake detached, one augmentation draw
        with precision.fp32():
            real_aug, fake_aug = self.augmentation(real, fake.detach())
        with precision.autocast():
            d_out = self.run_d_step(real_aug, [h.detach() for h in out.heads[:-1]] + [fake_aug])
        loss_d = losses.discriminator_loss(d_out.real_logits, d_out.fake_logits)
        self.optim_d.zero_grad(set_to_none=True)
        self.scaler_d.scale(loss_d).backward()
        stats = {"loss/d/total": loss_d.detach()}
        d_finite = self.ctx.all_true(torch.isfinite(loss_d))
        if d_finite:
            self.d_snapshot.take()  # undone below if the generator's loss is not finite
            self._update("d", self.discriminator, self.optim_d, self.scaler_d, stats, log)

        # generator step: a new augmentation draw; D's weights need no gradients here
        with precision.fp32():
            real_aug, fake_aug = self.augmentation(real, fake)
        _set_requires_grad(self.discriminator, False)
        try:
            with precision.autocast():
                d_out = self.run_d(real_aug, out.heads[:-1] + [fake_aug])
            terms = self._generator_losses(out, mel_fake, mel_real, d_out)
            self.optim_g.zero_grad(set_to_none=True)
            self.scaler_g.scale(terms["total"]).backward()
        finally:
            _set_requires_grad(self.discriminator, True)
        stats.update({f"loss/g/{name}": value.detach() for name, value in terms.items()})
        g_finite = self.ctx.all_true(torch.isfinite(terms["total"]))
        if d_finite and g_finite:
            self._update("g", self.generator, self.optim_g, self.scaler_g, stats, log, self.cfg.train.grad_clip_value)
        elif d_finite:  # the step is skipped whole: undo the discriminator's update
            self.d_snapshot.restore()
        self.guard.record(d_finite and g_finite, self.step + 1, "generator loss" if d_finite else "discriminator loss")
        return stats

    @staticmethod
    def _update(name: str, module: nn.Module, optimiser, scaler, stats: dict, log: bool, clip: float | None = None):
        """Apply one update in the order torch documents for a GradScaler: unscale once, inspect and clip the
        true gradients, step (skipped by the scaler on inf/NaN gradients), update the scale."""
        scaler.unscale_(optimiser)
        if log:
            stats[f"grad_norm/{name}"] = _grad_norm(module)
        if clip is not None:
            _clip_grad_value(module, float(clip))
        scaler.step(optimiser)
        scaler.update()

    # -- validation -----------------------------------------------------------------------------------------
    @contextmanager
    def _fixed_rng(self):
        """Validation draws from its own fixed seed and leaves the training RNG untouched."""
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices, device_type="cuda"):
            torch.manual_seed(int(self.cfg.train.valid_seed))
            yield

    def _reconstruct(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor, object]:
        """Real and reconstructed log-mel windows of a batch, with the generator's output."""
        spec = batch["spec"].to(self.device)
        with self.precision.autocast():
            out = self.generator(batch["category_id"].to(self.device), spec)
        with self.precision.fp32():
            _, mel_real = self._real_targets(batch["audio"].to(self.device), spec, out.window_starts)
            mel_fake = mel_spectrogram(out.heads[-1].float(), self.stft)
        return mel_real, mel_fake, out

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        """Mel and KL loss on the held-out split; logs mel images and one generated clip per category."""
        dataset = self.valid_loader.loader.dataset
        totals, count = {"valid/mel": 0.0, "valid/kl": 0.0}, 0
        self.generator.eval()
        try:
            with self._fixed_rng():
                for batch in self.valid_loader.epoch(0):
                    mel_real, mel_fake, out = self._reconstruct(batch)
                    kl = self._kl(out)
                    size = mel_real.size(0)
                    totals["valid/mel"] += losses.mel_loss(mel_fake, mel_real).item() * size
                    totals["valid/kl"] += kl.item() * size
                    count += size
                shown = dataset[int(self.numpy_rng.integers(len(dataset)))]
                mels = self._clip_mels(shown["category_id"].view(1), shown["spec"].unsqueeze(0))
                clips = self._generated_clips(mels) if self.cfg.train.valid_audio else {}
        finally:
            self.generator.train()
        images = mel_images(mels)
        metrics = {key: value / count for key, value in totals.items()}
        hook = get_plugin_manager().hook
        hook.toolkit_log_scalars(step=self.step, scalars=metrics)
        hook.toolkit_log_images(step=self.step, images=images)
        if clips:
            hook.toolkit_log_audio(step=self.step, clips=clips, sample_rate=int(self.cfg.data.sample_rate))
        logger.info("step %d validation: %s", self.step, ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
        return metrics

    def _clip_mels(self, category_id: Tensor, spec: Tensor) -> dict[str, Tensor]:
        """Full-clip log-mels of one validation clip: the real one and its reconstruction from the posterior."""
        with self.precision.autocast():
            audio = self.generator.reconstruct(category_id.to(self.device), spec.to(self.device))
        with self.precision.fp32():
            return {"mel/valid_real": spec_to_mel(spec.to(self.device), self.stft)[0],
                    "mel/valid_reconstructed": mel_spectrogram(audio.float(), self.stft)[0]}

    def _generated_clips(self, mels: dict) -> dict:
        """One clip per category from fixed seeds (``train.valid_seed`` + category id); adds their log-mels."""
        n_categories = len(self.categories)
        seed = int(self.cfg.train.valid_seed)
        categories = torch.arange(n_categories, device=self.device)
        with self.precision.autocast():
            audio = self.generator.infer(categories, self.cfg.train.valid_noise_scale,
                                         [seed + c for c in range(n_categories)])
        clips = {}
        with self.precision.fp32():
            for index, clip in enumerate(audio.float()):
                name = self.categories[index]
                clips[f"audio/{name}"] = clip[0].cpu().numpy()
                mels[f"mel/generated_{name}"] = mel_spectrogram(clip, self.stft)[0]
        return clips

    # -- the loop ---------------------------------------------------------------------------------------------
    def _done(self) -> bool:
        train = self.cfg.train
        return (train.max_steps is not None and self.step >= train.max_steps) or (
            train.epochs is not None and self.epoch >= train.epochs
        )

    def _due(self, interval: int | None, step: int | None = None) -> bool:
        """Whether ``step`` (default: the current one) is a multiple of ``interval`` (null: never)."""
        return interval is not None and (self.step if step is None else step) % interval == 0

    def _log(self, stats: dict[str, Tensor], steps_per_second: float, progress) -> None:
        scalars = {key: float(value) for key, value in stats.items()}
        scalars["lr/g"] = self.optim_g.param_groups[0]["lr"]
        scalars["lr/d"] = self.optim_d.param_groups[0]["lr"]
        scalars["speed/steps_per_second"] = steps_per_second
        scalars["nonfinite_steps"] = float(self.guard.total)
        get_plugin_manager().hook.toolkit_log_scalars(step=self.step, scalars=scalars)
        progress.set_postfix(d=f"{scalars['loss/d/total']:.3f}", g=f"{scalars['loss/g/total']:.3f}",
                             mel=f"{scalars['loss/g/mel']:.3f}", refresh=False)

    def fit(self) -> None:
        """Train until ``train.max_steps`` steps or ``train.epochs`` epochs, then write ``last.pt``."""
        if self._done():
            logger.info("nothing to do: already at step %d, epoch %d", self.step, self.epoch)
            return
        tensorboard = self._start_logging()
        status = "failed"
        try:
            if self.step == 0:
                state = self.state_dict()  # every rank takes part (RNG states are gathered)
                if self.ctx.is_main:
                    self.checkpoints.save_initial(state)
            self._loop()
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            if self.ctx.is_main:
                self._close_logging(tensorboard, status)

    def _start_logging(self) -> TensorBoardLogger | None:
        """On rank 0: write config.yaml, register the TensorBoard logger and call every logger's start hook."""
        if not self.ctx.is_main:
            return None
        atomic_write_text(self.exp_dir / "config.yaml", OmegaConf.to_yaml(self.cfg))
        tensorboard = TensorBoardLogger(self.exp_dir / "tensorboard")
        manager = get_plugin_manager()
        manager.register(tensorboard)
        try:
            manager.hook.toolkit_log_start(exp_dir=self.exp_dir.resolve(), config=OmegaConf.to_container(self.cfg),
                                           rank=self.ctx.rank, world_size=self.ctx.world_size, step=self.step)
        except BaseException:
            manager.unregister(tensorboard)
            tensorboard.close()
            raise
        return tensorboard

    def _close_logging(self, tensorboard: TensorBoardLogger, status: str) -> None:
        manager = get_plugin_manager()
        try:
            manager.hook.toolkit_log_close(step=self.step, status=status)
        finally:
            manager.unregister(tensorboard)
            tensorboard.close()

    def _end_epoch(self) -> None:
        """Step the learning-rate schedules (once per epoch, as the reference) and start the next epoch."""
        with warnings.catch_warnings():
            # after a resume at an epoch boundary no optimiser step has run yet in this process
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step\\(\\)` before")
            self.sched_g.step()
            self.sched_d.step()
        self.epoch += 1
        self.batch_in_epoch = 0

    def _loop(self) -> None:
        train = self.cfg.train
        total = train.max_steps if train.max_steps is not None else train.epochs * len(self.train_loader)
        progress = tqdm(total=total, initial=self.step, disable=not self.ctx.is_main, desc="train", unit="step",
                        dynamic_ncols=True)
        saved_at, save_due = None, False
        timer, timed_steps = time.perf_counter(), 0
        with progress:
            while not self._done():
                for batch in self.train_loader.epoch(self.epoch, self.batch_in_epoch):
                    log = self.ctx.is_main and self._due(train.log_interval, self.step + 1)
                    stats = self.train_step(batch, log=log)
                    self.step += 1
                    self.batch_in_epoch += 1
                    timed_steps += 1
                    if log:
                        now = time.perf_counter()
                        self._log(stats, timed_steps / (now - timer), progress)
                        timer, timed_steps = now, 0
                    progress.update(1)
                    if self.valid_loader is not None and self._due(train.valid_interval):
                        self.validate()
                    if self._due(train.checkpoint_interval):
                        save_due = True
                        if self.guard.consecutive:  # never during a run of skipped steps
                            logger.warning("step %d: checkpoint deferred to the next finite step", self.step)
                    if save_due and not self.guard.consecutive:
                        self.save(periodic=True)
                        saved_at, save_due = (self.step, self.epoch), False
                    if train.max_steps is not None and self.step >= train.max_steps:
                        break
                else:  # the epoch ran to its end
                    self._end_epoch()
        if self.guard.consecutive:
            logger.warning(
                "training ended inside a run of %d skipped steps (non-finite losses); no checkpoint is written "
                "during one, so the newest in %s is kept", self.guard.consecutive, self.checkpoints.directory,
            )
        elif saved_at != (self.step, self.epoch):
            self.save(periodic=False)
        logger.info("training stopped at step %d (epoch %d)", self.step, self.epoch)
