"""Streaming: peak memory does not grow with the number of clips generated."""
from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import resource, sys, torch
torch.set_num_threads(1)
from toolkit.generate import GenerateOptions, generate_clips
checkpoint, out, clips = sys.argv[1], sys.argv[2], int(sys.argv[3])
generate_clips(out, GenerateOptions(checkpoint=checkpoint, clips_per_category=clips, batch_size=4), progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kib(checkpoint, out, clips: int) -> int:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(checkpoint), str(out), str(clips)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_clips(tmp_path, short_checkpoint):
    few = _peak_rss_kib(short_checkpoint, tmp_path / "few", 2)
    many = _peak_rss_kib(short_checkpoint, tmp_path / "many", 16)
    assert len(list((tmp_path / "many").glob("gen_*/audio/*/*.wav"))) == 7 * 16
    assert many <= few + 50 * 1024
