"""Clips for the pages: finding category folders in either DCASE layout, copying clips, mel images."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from toolkit.audio import read_audio, to_mono
from toolkit.categories import CategorySet, scan_category_folders
from toolkit.features import STFTSettings, mel_spectrogram
from toolkit.fileio import atomic_write_bytes
from toolkit.report.html import save_figure
from toolkit.score.inputs import generated_record

#: sub-folders that hold the category folders of a generation (baseline layout first).
LAYOUT_FOLDERS = ("audio", "generated_audio", "synthesized")


def category_folders(root: Path) -> dict[str, Path]:
    """category -> folder, for a generated set (``root/{audio,generated_audio}/<category>/``, named as its
    ``generate.yaml`` names them) or a folder of category folders (``root/<Category>/``).

    The first layout that has any category folder wins; of two spellings of one category the first wins.
    """
    names = generated_record(root).get("categories")
    categories = CategorySet(tuple(names)) if names else None
    for base in (*(root / name for name in LAYOUT_FOLDERS), root):
        found = scan_category_folders(base, categories, "clips")
        if found:
            return {name: folders[0] for name, folders in found.items()}
    return {}


def copy_file(source: Path, target: Path) -> None:
    """Copy a clip or image next to a page (atomically; skipped when an identical copy is already there)."""
    data = source.read_bytes()
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return
    atomic_write_bytes(target, data)


def write_mel_png(source: Path, target: Path, title: str = "") -> None:
    """Render the log-mel spectrogram of ``source`` (toolkit.features settings at its own rate) as PNG."""
    samples, rate = read_audio(source)
    audio = to_mono(samples)
    settings = STFTSettings(sample_rate=rate)
    if audio.size < settings.n_fft:
        audio = np.pad(audio, (0, settings.n_fft - audio.size))
    mel = mel_spectrogram(torch.from_numpy(audio)[None], settings)[0].numpy()
    figure = Figure(figsize=(3.2, 1.6))
    axes = figure.add_subplot()
    seconds = audio.size / rate
    axes.imshow(mel, origin="lower", aspect="auto", cmap="magma", extent=(0, seconds, 0, settings.n_mels))
    axes.set_xlabel("time (s)", fontsize=7)
    axes.set_ylabel("mel bin", fontsize=7)
    axes.tick_params(labelsize=6)
    if title:
        axes.set_title(title, fontsize=7)
    save_figure(figure, target, dpi=80)
