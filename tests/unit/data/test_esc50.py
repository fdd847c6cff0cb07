"""ESC-50's stage 0: link or download a copy, verify it against its table, refuse a damaged one in one line."""
from __future__ import annotations

import re
import shutil
import zipfile

import numpy as np
import pytest
import soundfile as sf

from toolkit.bin import obtain
from toolkit.data import esc50
from toolkit.errors import DataError


def test_a_small_copy_is_verified_and_linked_with_ids_in_target_order(esc50_copy, tmp_path):
    root = esc50_copy()
    table = esc50.verify(root, full_size=False)
    assert list(table.categories) == ["dog", "rooster", "chirping_birds"]  # ascending target, not names
    out = tmp_path / "data" / "esc50" / "source"
    assert obtain.main(["--dataset", "esc50", "--root", str(root.parent), "--any-size", "--out", str(out)]) == 0
    assert out.is_symlink() and out.resolve() == root.resolve()


def test_the_full_size_is_checked_unless_told_otherwise(esc50_copy):
    with pytest.raises(DataError, match="3 classes, 15 clips, folds 1, 2, 3, 4, 5; e.g. dog has 5 clips; ESC-50 has "
                                        "50 classes x 40 clips in folds 1, 2, 3, 4, 5 .*ESC50_FULL_SIZE=false"):
        esc50.verify(esc50_copy())


def _drop_file(root):
    (root / "audio" / "3-100003-A-0.wav").unlink()


def _wrong_fold(root):
    table = root / "meta" / "esc50.csv"
    table.write_text(table.read_text().replace("2-100002-A-0.wav,2,0", "2-100002-A-0.wav,4,0"))


def _wrong_category(root):
    table = root / "meta" / "esc50.csv"
    table.write_text(table.read_text().replace("3-100103-A-1.wav,3,1,rooster", "3-100103-A-1.wav,3,1,dog"))


def _unlisted(root):
    shutil.copy(root / "audio" / "1-100001-A-0.wav", root / "audio" / "1-999999-A-0.wav")


def _stereo(root):
    sf.write(str(root / "audio" / "5-100205-A-14.wav"), np.zeros((220500, 2)) + 0.1, 44100, subtype="PCM_16")


def _no_take_column(root):
    table = root / "meta" / "esc50.csv"
    table.write_text("\n".join(line.rsplit(",", 1)[0] for line in table.read_text().splitlines()) + "\n")


@pytest.mark.parametrize("damage, message", [
    (_drop_file, r"meta/esc50.csv:4: .*audio/3-100003-A-0.wav is missing \(1 of 15 listed files are\); the copy is "
                 "incomplete"),
    (_wrong_fold, "meta/esc50.csv:3: the row says fold 4, its file name 2-100002-A-0.wav says 2; the table does not "
                  "match the audio"),
    (_wrong_category, "meta/esc50.csv:9: category 'dog' has target 1, but 0 on line 2"),
    (_unlisted, r"audio/1-999999-A-0.wav: not listed in .*meta/esc50.csv \(1 such file\(s\)\)"),
    (_stereo, r"1 clip\(s\) are not 44100 Hz mono 220500 samples \(5 s\), e.g. .*5-100205-A-14.wav \(44100 Hz, "
              r"2 channels, 220500 samples\)"),
    (_no_take_column, "meta/esc50.csv: no column.s. take; ESC-50's table has filename, fold, target"),
])
def test_stage_0_refuses_a_damaged_copy_in_one_line(esc50_copy, tmp_path, capsys, damage, message):
    root = esc50_copy()
    damage(root)
    out = tmp_path / "source"
    assert obtain.main(["--dataset", "esc50", "--root", str(root), "--any-size", "--out", str(out)]) != 0
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]  # not the progress bar
    assert len(errors) == 1 and re.search(message, errors[0]), errors
    assert not out.exists()


def test_download_unpacks_a_github_style_archive_and_offline_is_one_line(esc50_copy, served, tmp_path):
    folder, base = served
    root = esc50_copy()
    with zipfile.ZipFile(folder / "0123abc.zip", "w") as archive:  # GitHub's archive/<commit>.zip layout
        for path in sorted(root.rglob("*")):
            archive.write(path, f"ESC-50-0123abc/{path.relative_to(root)}")
    out = tmp_path / "data" / "source"
    esc50.obtain(out, url=f"{base}/0123abc.zip", download_dir=tmp_path / "downloads", full_size=False)
    assert out.resolve() == (tmp_path / "downloads" / "esc50" / "ESC-50-0123abc").resolve()
    assert len(list((out / "audio").glob("*.wav"))) == 15

    with pytest.raises(DataError) as info:
        esc50.obtain(tmp_path / "other", url="http://127.0.0.1:9/x.zip", download_dir=tmp_path / "offline")
    message = str(info.value)
    assert "cannot download http://127.0.0.1:9/x.zip" in message and "set ESC50_ROOT to it" in message
    assert "meta/esc50.csv and audio/" in message and "\n" not in message
