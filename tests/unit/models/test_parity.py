"""Parity with the original VIFS code: golden vectors in ``../shared/data/parity`` (see its README).

The architecture is composed from the vectors' own ``meta/toolkit_overrides``, the generator weights are
loaded strictly, the discriminator weights are regenerated from their recipe (each tensor's sha256
checked) and loaded strictly; then inference, the training forward, every loss term and the
discriminator outputs must match within the README's cross-platform tolerance
``max|diff| <= 1e-7 + 2e-5 * max|expected|``.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

import toolkit.models.synthesizer as synthesizer_module
from toolkit.config import compose_config
from toolkit.data.dump import stft_settings
from toolkit.features import mel_spectrogram, spec_to_mel
from toolkit.models import losses
from toolkit.models.builder import build_augmentation, build_discriminator, build_generator

pytestmark = pytest.mark.slow

_G = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _hash_uniform(seed: int, n: int) -> np.ndarray:
    """The README's counter-based uniform draw in [0, 1) (uint64 arithmetic wraps mod 2^64)."""
    with np.errstate(over="ignore"):
        x = np.arange(n, dtype=np.uint64) + np.uint64(int(seed) << 32)
        x = x * _G
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(40)).astype(np.float64) * 2.0**-24


def _discriminator_state(v) -> dict[str, torch.Tensor]:
    state = {}
    for name, seed, offset, scale, shape, digest in zip(
        v["D_recipe/names"], v["D_recipe/seeds"], v["D_recipe/offsets"], v["D_recipe/scales"],
        v["D_recipe/shapes"], v["D_recipe/sha256"],
    ):
        shape = tuple(int(s) for s in shape if s >= 0)
        u = _hash_uniform(int(seed), int(np.prod(shape)))
        values = (np.float64(offset) + np.float64(scale) * u).astype(np.float32).reshape(shape)
        assert hashlib.sha256(values.astype("<f4").tobytes()).hexdigest() == str(digest), name
        state[str(name)] = torch.from_numpy(values)
    return state


def _close(name: str, got, expected) -> str | None:
    """None when within tolerance, else a line describing the miss."""
    got = torch.as_tensor(got).detach().float()
    expected = torch.as_tensor(np.asarray(expected)).float()
    if tuple(got.shape) != tuple(expected.shape):
        return f"{name}: shape {tuple(got.shape)} != expected {tuple(expected.shape)}"
    diff = (got - expected).abs().max().item()
    bound = 1e-7 + 2e-5 * expected.abs().max().item()
    return None if diff <= bound else f"{name}: max|diff| {diff:.3g} > {bound:.3g}"


@pytest.fixture(scope="module")
def vectors(shared_data):
    path = shared_data / "parity" / "vifs_parity_vectors.npz"
    if not path.is_file():
        pytest.skip(f"parity vectors not found at {path}")
    with np.load(path) as v:
        return {key: v[key] for key in v.files}


@pytest.fixture(scope="module")
def model(vectors):
    """(config, generator, discriminator, augmentation) with the stored weights, in eval mode."""
    cfg = compose_config([str(o) for o in vectors["meta/toolkit_overrides"]])
    generator = build_generator(cfg.model).eval()
    discriminator = build_discriminator(cfg.model).eval()
    augmentation = build_augmentation(cfg.model).eval()
    generator.load_state_dict(
        {key[2:]: torch.from_numpy(value) for key, value in vectors.items() if key.startswith("G/")}, strict=True
    )
    discriminator.load_state_dict(_discriminator_state(vectors), strict=True)
    return cfg, generator, discriminator, augmentation


def _capture(module: torch.nn.Module, store: dict, name: str):
    def hook(_module, args, kwargs, output):
        store[name] = (args, kwargs, output)
    return module.register_forward_hook(hook, with_kwargs=True)


def _misses(pairs) -> list[str]:
    return [line for line in (_close(name, got, expected) for name, got, expected in pairs) if line]


def _assert_close(pairs) -> None:
    misses = _misses(pairs)
    assert not misses, "\n".join(misses)


def test_inference_reproduces_the_reference(model, vectors):
    _, generator, _, _ = model
    latent_noise = torch.from_numpy(vectors["infer/latent_noise"])
    prior_noise = torch.from_numpy(vectors["infer/prior_noise"])
    generator.draw_noise = lambda seeds, dtype=torch.float32: (latent_noise.to(dtype), prior_noise.to(dtype))
    seen: dict = {}
    hooks = [_capture(generator.prior_encoder, seen, "prior"), _capture(generator.flow, seen, "flow")]
    try:
        ids = torch.from_numpy(vectors["infer/category_ids"])
        audio = generator.infer(ids, float(vectors["infer/noise_scale"]), [int(s) for s in vectors["infer/seeds"]])
    finally:
        for hook in hooks:
            hook.remove()
        del generator.draw_noise
    m_p, logs_p = seen["prior"][2]
    flow_args, flow_kwargs, z = seen["flow"]
    assert flow_kwargs.get("reverse") is True
    expected = vectors["infer/waveform"]
    # whole frames (344 x 256 = 88,064 samples); generation zero-pads to the data's 88,200
    assert audio.shape[:2] == (3, 1) and audio.shape[-1] >= expected.shape[-1]
    _assert_close([
        ("infer/m_p", m_p, vectors["infer/m_p"]),
        ("infer/logs_p", logs_p, vectors["infer/logs_p"]),
        ("infer/z_p", flow_args[0], vectors["infer/z_p"]),
        ("infer/z", z, vectors["infer/z"]),
        ("infer/waveform", audio[..., : expected.shape[-1]], expected),
    ])
    assert torch.all(audio[..., expected.shape[-1]:] == 0)


@pytest.fixture(scope="module")
def training(model, vectors):
    """The training forward on the stored batch, with the stored window starts and posterior noise."""
    cfg, generator, _, _ = model
    starts = torch.from_numpy(vectors["train/window_starts"])
    eps = torch.from_numpy(vectors["train/posterior_noise"])
    calls = []

    def posterior_noise(like, *args, **kwargs):
        calls.append(tuple(like.shape))
        return eps.clone()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synthesizer_module, "random_segment_starts", lambda *args, **kwargs: starts.clone())
        patch.setattr(torch, "randn_like", posterior_noise)
        with torch.no_grad():
            out = generator(torch.from_numpy(vectors["train/category_ids"]), torch.from_numpy(vectors["train/spec"]))
    assert calls == [tuple(eps.shape)]
    return out


def test_training_forward_reproduces_the_reference(training, vectors):
    out = training
    assert torch.equal(out.window_starts, torch.from_numpy(vectors["train/window_starts"]))
    _assert_close([
        *((f"train/{name}", getattr(out, name), vectors[f"train/{name}"])
          for name in ("m_q", "logs_q", "z", "z_p", "m_p", "logs_p", "latent")),
        ("train/latent_mean", out.latent.mean(), vectors["train/latent_mean"]),
        ("train/latent_std", out.latent.std(), vectors["train/latent_std"]),
        *((f"train/head{i}", head, vectors[f"train/head{i}"]) for i, head in enumerate(out.heads)),
    ])
    assert len(out.heads) == 3


def _phaseaug_draws(augmentation, phi: np.ndarray):
    """Make the PhaseAug inside ``augmentation`` draw ``phi`` (as the README prescribes)."""
    augmentation.phaseaug.sample_phi = lambda self, batch: torch.from_numpy(phi).clone()


def test_losses_and_discriminator_reproduce_the_reference(model, training, vectors):
    cfg, _, discriminator, augmentation = model
    out = training
    stft = stft_settings(cfg.data)
    hop, segment = int(cfg.model.hop_length), int(cfg.model.segment_size)
    audio = torch.from_numpy(vectors["train/waveform"])
    spec = torch.from_numpy(vectors["train/spec"])
    real = torch.stack([audio[b, :, s * hop: s * hop + segment] for b, s in enumerate(out.window_starts.tolist())])
    frames = segment // hop
    mel_real = spec_to_mel(
        torch.stack([spec[b, :, s: s + frames] for b, s in enumerate(out.window_starts.tolist())]), stft
    )
    fake = out.heads[-1]
    mel_fake = mel_spectrogram(fake, stft)
    weights = losses.LossWeights.from_config(cfg.model.loss)
    misses = _misses([
        ("train/real_segment", real, vectors["train/real_segment"]),
        ("train/mel_real", mel_real, vectors["train/mel_real"]),
        ("train/mel_fake", mel_fake, vectors["train/mel_fake"]),
        *((f"loss_weights/{name}", getattr(weights, name), vectors[f"loss_weights/{name}"])
          for name in ("mel", "kl", "fm", "adv", "latent")),
    ])

    with torch.no_grad():
        # discriminator on the unaugmented window
        d_plain = discriminator(real, out.heads[:-1] + [fake])
        misses += _misses([
            *((f"disc/real_logits{i}", x, vectors[f"disc/real_logits{i}"]) for i, x in enumerate(d_plain.real_logits)),
            *((f"disc/fake_logits{i}", x, vectors[f"disc/fake_logits{i}"]) for i, x in enumerate(d_plain.fake_logits)),
        ])
        per_map = [torch.mean(torch.abs(r - f)) for rs, fs in zip(d_plain.real_features, d_plain.fake_features)
                   for r, f in zip(rs, fs)]
        misses += _misses([("disc/fm_per_map", torch.stack(per_map), vectors["disc/fm_per_map"])])

        # discriminator step, then generator step: one PhaseAug draw each, as the trainer does
        steps = {}
        for step in ("d", "g"):
            _phaseaug_draws(augmentation, vectors[f"train/phaseaug_phi_{step}"])
            real_aug, fake_aug = augmentation(real, fake)
            misses += _misses([
                (f"train/aug_real_{step}", real_aug, vectors[f"train/aug_real_{step}"]),
                (f"train/aug_fake_{step}", fake_aug, vectors[f"train/aug_fake_{step}"]),
            ])
            steps[step] = d_out = discriminator(real_aug, out.heads[:-1] + [fake_aug])
            misses += _misses([
                *((f"train/{step}step_real_logits{i}", x, vectors[f"train/{step}step_real_logits{i}"])
                  for i, x in enumerate(d_out.real_logits)),
                *((f"train/{step}step_fake_logits{i}", x, vectors[f"train/{step}step_fake_logits{i}"])
                  for i, x in enumerate(d_out.fake_logits)),
            ])
        del augmentation.phaseaug.sample_phi

    d_step, g_step = steps["d"], steps["g"]
    assert len(d_step.real_logits) == 7 and sum(len(maps) for maps in g_step.real_features) == 38
    g_per_map = [torch.mean(torch.abs(r - f)) for rs, fs in zip(g_step.real_features, g_step.fake_features)
                 for r, f in zip(rs, fs)]
    terms = {
        "adv": weights.adv * losses.adversarial_loss(g_step.fake_logits),
        "fm": weights.fm * losses.feature_matching_loss(g_step.real_features, g_step.fake_features),
        "mel": weights.mel * losses.mel_loss(mel_fake, mel_real),
        "kl": weights.kl * losses.kl_loss(out.z_p, out.logs_q, out.m_p, out.logs_p, weights.kl_reduction),
        "latent": weights.latent * sum(out.latent_losses.values()),
    }
    misses += _misses([
        ("loss/disc", losses.discriminator_loss(d_step.real_logits, d_step.fake_logits), vectors["loss/disc"]),
        ("loss/disc_real_terms", torch.stack([torch.mean((1 - r) ** 2) for r in d_step.real_logits]),
         vectors["loss/disc_real_terms"]),
        ("loss/disc_fake_terms", torch.stack([torch.mean(f ** 2) for f in d_step.fake_logits]),
         vectors["loss/disc_fake_terms"]),
        ("loss/adv_terms", torch.stack([torch.mean((1 - f) ** 2) for f in g_step.fake_logits]),
         vectors["loss/adv_terms"]),
        ("train/gstep_fm_per_map", torch.stack(g_per_map), vectors["train/gstep_fm_per_map"]),
        *((f"loss/{name}", value, vectors[f"loss/{name}"]) for name, value in terms.items()),
        ("loss/gen_total", sum(terms.values()), vectors["loss/gen_total"]),
    ])
    assert not misses, "\n".join(misses)


def test_a_perturbed_weight_is_detected(model, vectors):
    """Negative control (README §9): one decoder weight + 1e-3 moves the waveform beyond the tolerance."""
    _, generator, _, _ = model
    weight = generator.state_dict(keep_vars=True)["decoder.conv_pre.weight"]
    original = weight.detach().clone()
    latent_noise = torch.from_numpy(vectors["infer/latent_noise"])
    prior_noise = torch.from_numpy(vectors["infer/prior_noise"])
    generator.draw_noise = lambda seeds, dtype=torch.float32: (latent_noise, prior_noise)
    try:
        with torch.no_grad():
            weight.view(-1)[0] += 1e-3
        audio = generator.infer(torch.from_numpy(vectors["infer/category_ids"]), float(vectors["infer/noise_scale"]),
                                [11, 22, 33])
    finally:
        with torch.no_grad():
            weight.copy_(original)
        del generator.draw_noise
    expected = vectors["infer/waveform"]
    assert _close("infer/waveform", audio[..., : expected.shape[-1]], expected) is not None
