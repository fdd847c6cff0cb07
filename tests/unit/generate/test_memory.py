"""Streaming: memory does not grow with the number of clips generated.

Each clip is 88,200 float32 samples (345 KiB). Going from 2 to 48 clips per category adds 322 clips, so a
generator that kept every clip would grow by about 108 MiB, well past the tolerance. A control run that does
keep them (the writer holds each clip) shows that the check fails on retention. The check reads the
resident memory after generation: the peak is set earlier, by loading and warming up the model.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

FEW, MANY = 2, 48
#: Allowed RSS growth from FEW to MANY clips per category (allocator noise, not clips).
TOLERANCE_KIB = 24 * 1024
CLIP_KIB = 88_200 * 4 / 1024

SCRIPT = """
import resource, sys, torch
torch.set_num_threads(1)
from toolkit.generate import GenerateOptions, generate_clips
from toolkit.generate.writer import ClipWriter
checkpoint, out, clips, batch, retain = sys.argv[1:6]
if retain == "retain":  # the defect this test must catch: every clip stays referenced
    kept, write = [], ClipWriter.write
    def keeping(self, job, audio, rate):
        kept.append(audio.copy())
        write(self, job, audio, rate)
    ClipWriter.write = keeping
options = GenerateOptions(checkpoint=checkpoint, clips_per_category=int(clips),
                          batch_size=None if batch == "auto" else int(batch))
generate_clips(out, options, progress=False)
with open("/proc/self/statm") as statm:
    print(int(statm.read().split()[1]) * resource.getpagesize() // 1024)
"""


def _rss_after_kib(checkpoint, out, clips: int, batch: str, retain: bool = False) -> int:
    args = [str(checkpoint), str(out), str(clips), batch, "retain" if retain else "stream"]
    result = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("batch", ["4", "auto"])
def test_memory_does_not_grow_with_clips(tmp_path, short_checkpoint, batch):
    few = _rss_after_kib(short_checkpoint, tmp_path / "few", FEW, batch)
    many = _rss_after_kib(short_checkpoint, tmp_path / "many", MANY, batch)
    assert len(list((tmp_path / "many").glob("gen_*/audio/*/*.wav"))) == 7 * MANY
    assert many <= few + TOLERANCE_KIB
    retained = _rss_after_kib(short_checkpoint, tmp_path / "kept", MANY, batch, retain=True)
    assert 7 * (MANY - FEW) * CLIP_KIB > 4 * TOLERANCE_KIB  # the retention signal dwarfs the tolerance
    assert retained > few + TOLERANCE_KIB
