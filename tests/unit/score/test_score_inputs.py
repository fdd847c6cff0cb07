"""Input validation like the official scorer: every bad input gives one clear line naming the file."""
import numpy as np
import pytest
import soundfile as sf

from toolkit.dcase import CATEGORIES
from toolkit.errors import ConfigError, DataError
from toolkit.score.inputs import find_audio_set
from toolkit.score.pipeline import ScoreOptions, run_scoring


def write_clip(path, samples=88200, rate=22050, channels=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (samples,) if channels == 1 else (samples, channels)
    sf.write(path, np.zeros(shape), rate, subtype="PCM_16")
    return path


@pytest.mark.parametrize("kwargs, message", [
    ({"rate": 16000}, "sample rate 16000 Hz"),
    ({"channels": 2}, "2 channels"),
    ({"samples": 88199}, "88199 samples"),
])
def test_bad_clip_is_named(tmp_path, kwargs, message):
    bad = write_clip(tmp_path / "Rain" / "0002.wav", **kwargs)
    write_clip(tmp_path / "Rain" / "0001.wav")
    with pytest.raises(DataError, match=message) as info:
        find_audio_set(tmp_path, "generated")
    assert str(bad) in str(info.value) and "\n" not in str(info.value)


def test_unreadable_file_is_named(tmp_path):
    bad = tmp_path / "rain" / "0001.wav"
    bad.parent.mkdir()
    bad.write_bytes(b"RIFF....not audio")
    with pytest.raises(DataError, match="cannot be read as audio") as info:
        find_audio_set(tmp_path, "generated")
    assert str(bad) in str(info.value)


def test_files_that_are_not_audio_are_named_in_a_warning(tmp_path, caplog):
    write_clip(tmp_path / "Rain" / "0001.wav")
    (tmp_path / "Rain" / "0002.mp3").write_bytes(b"ID3")
    (tmp_path / "Rain" / "notes.txt").write_text("x")
    audio = find_audio_set(tmp_path, "generated")
    assert [p.name for p in audio.files["Rain"]] == ["0001.wav"]
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning == f"{tmp_path / 'Rain'}: ignoring 0002.mp3, notes.txt (only .wav files are scored)"


def test_both_layouts_are_read_and_mixing_them_is_refused(tmp_path):
    write_clip(tmp_path / "a" / "sneeze_cough" / "x.wav")
    write_clip(tmp_path / "a" / "DogBark" / "y.wav")
    assert find_audio_set(tmp_path / "a", "generated").categories == ["DogBark", "sneeze_cough"]  # as named
    (tmp_path / "a" / "generate.yaml").write_text("categories: [DogBark, Sneeze_Cough]\n")
    assert find_audio_set(tmp_path / "a", "generated").categories == ["DogBark", "Sneeze_Cough"]  # the set's
    write_clip(tmp_path / "a" / "dog_bark" / "z.wav")
    with pytest.raises(DataError, match="2 folders for category DogBark"):
        find_audio_set(tmp_path / "a", "generated")
    (tmp_path / "a" / "generate.yaml").unlink()
    with pytest.raises(DataError, match="'DogBark' and 'dog_bark', whose names differ only in case"):
        find_audio_set(tmp_path / "a", "generated")


def test_any_set_is_checked_against_its_own_format(tmp_path):
    for name in ("DoorSlam", "GlassBreak"):
        write_clip(tmp_path / "gen" / "audio" / name / "0001.wav", samples=32000, rate=16000)
    (tmp_path / "gen" / "generate.yaml").write_text("categories: [DoorSlam, GlassBreak]\nsample_rate: 16000\n"
                                                     "clip_samples: 32000\n")
    audio = find_audio_set(tmp_path / "gen" / "audio", "generated")
    assert audio.categories == ["DoorSlam", "GlassBreak"]
    assert (audio.fmt.sample_rate, audio.fmt.num_samples) == (16000, 32000)
    bad = write_clip(tmp_path / "gen" / "audio" / "DoorSlam" / "0002.wav", samples=32000, rate=22050)
    with pytest.raises(DataError, match="sample rate 22050 Hz \\(need 16000") as info:
        find_audio_set(tmp_path / "gen" / "audio", "generated")
    assert str(bad) in str(info.value)
    with pytest.raises(DataError, match="missing category folder"):
        find_audio_set(tmp_path / "gen" / "audio", "generated", dcase2023=True)


def test_dcase2023_mode_needs_all_categories_with_100_files(tmp_path):
    write_clip(tmp_path / "Rain" / "0001.wav")
    with pytest.raises(DataError, match="missing category folder\\(s\\) DogBark, Footstep"):
        find_audio_set(tmp_path, "generated", dcase2023=True)
    for name in CATEGORIES:  # the count is checked before the files, so empty files suffice here
        (tmp_path / name).mkdir(exist_ok=True)
        for i in range(99):
            (tmp_path / name / f"{i:04d}.wav").touch()
    with pytest.raises(DataError, match="DogBark has 99 .wav files; dcase2023 mode needs exactly 100"):
        find_audio_set(tmp_path, "generated", dcase2023=True)


def test_reference_missing_a_generated_category(tmp_path):
    write_clip(tmp_path / "gen" / "Rain" / "1.wav")
    write_clip(tmp_path / "gen" / "GunShot" / "1.wav")
    write_clip(tmp_path / "ref" / "rain" / "1.wav")
    options = ScoreOptions(str(tmp_path / "gen"), str(tmp_path / "ref"), str(tmp_path / "out"))
    with pytest.raises(DataError, match="has no folder for category GunShot"):
        run_scoring(options)
    assert not (tmp_path / "out").exists()


def test_missing_folder_and_statistics_with_wrong_embedding(tmp_path, official_stats_dir):
    with pytest.raises(DataError, match="generated folder .*nowhere does not exist"):
        find_audio_set(tmp_path / "nowhere", "generated")
    options = ScoreOptions(str(tmp_path), str(official_stats_dir), str(tmp_path / "out"), embedding="soundnet")
    with pytest.raises(ConfigError, match="--embedding vggish --mode dcase2023"):
        run_scoring(options)
