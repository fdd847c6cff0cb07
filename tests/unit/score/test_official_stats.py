"""Reading the official gt_embedding.pkl files without TensorFlow, and refusing everything else."""
import pickle
import shutil

import numpy as np
import pytest

from toolkit.dcase import CATEGORIES, SNAKE_CASE
from toolkit.errors import DataError
from toolkit.score.stats import Gaussian, read_official_stats, read_stats_dir


@pytest.mark.parametrize("category", SNAKE_CASE)
def test_official_pickles_decode_to_the_npz_values_exactly(shared_data, category):
    mu, sigma, count = read_official_stats(shared_data / "dcase23_eval_stats" / "original" / category / "gt_embedding.pkl")
    expected = np.load(shared_data / "dcase23_eval_stats" / f"{category}.npz")
    assert mu.dtype == sigma.dtype == np.float64 and mu.shape == (128,) and sigma.shape == (128, 128)
    np.testing.assert_array_equal(mu, expected["mu"])
    np.testing.assert_array_equal(sigma, expected["sigma"])
    assert count == int(expected["count"]) == 1000


def test_stats_dir_accepts_any_case(official_stats_dir, tmp_path):
    for snake, camel in (("footstep", "Footstep"), ("sneeze_cough", "SNEEZECOUGH")):
        (tmp_path / camel).mkdir()
        shutil.copy(official_stats_dir / snake / "gt_embedding.pkl", tmp_path / camel / "gt_embedding.pkl")
    stats = read_stats_dir(tmp_path)
    assert list(stats) == ["Footstep", "Sneeze_Cough"]
    assert stats["Sneeze_Cough"].count == 1000
    assert set(read_stats_dir(official_stats_dir)) == set(CATEGORIES)


class Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def _pickle_file(tmp_path, obj, name="gt_embedding.pkl"):
    path = tmp_path / name
    path.write_bytes(pickle.dumps(obj))
    return path


def test_refuses_pickles_that_are_not_the_official_format(tmp_path, capsys):
    cases = {
        "refers to builtins.print": _pickle_file(tmp_path, {"mu": Exploit()}, "exploit.pkl"),
        "not an official DCASE 2023 statistics file": _pickle_file(tmp_path, {"mu": 1.0, "sigma": 2.0}, "dict.pkl"),
        "refers to numpy": _pickle_file(tmp_path, {"mu": np.zeros(3)}, "numpy.pkl"),
        "not a readable pickle": _pickle_file(tmp_path, b"", "bytes.pkl"),
    }
    (tmp_path / "bytes.pkl").write_bytes(b"\x80\x04not a pickle at all")
    for message, path in cases.items():
        with pytest.raises(DataError, match=message) as info:
            read_official_stats(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert "must never run" not in capsys.readouterr().out


def test_refuses_corrupt_protobuf_payload(official_stats_dir, tmp_path):
    raw = (official_stats_dir / "footstep" / "gt_embedding.pkl").read_bytes()
    start = raw.index(b"\x12\x83\x04\n\x80\x04")  # the mu Feature: FloatList of 512 bytes
    corrupt = raw[:start] + b"\x12\x83\x04\n\x80\x05" + raw[start + 6 :]  # inner length beyond the message
    path = tmp_path / "gt_embedding.pkl"
    path.write_bytes(corrupt)
    with pytest.raises(DataError, match="truncated protobuf"):
        read_official_stats(path)


def test_missing_stats_file_is_a_clear_error(official_stats_dir, tmp_path):
    (tmp_path / "rain").mkdir()
    (tmp_path / "dog_bark").mkdir()
    shutil.copy(official_stats_dir / "dog_bark" / "gt_embedding.pkl", tmp_path / "dog_bark" / "gt_embedding.pkl")
    with pytest.raises(DataError, match="rain has no gt_embedding.pkl"):
        read_stats_dir(tmp_path)


def test_gaussian_is_float64_mean_and_unbiased_covariance():
    rows = np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32)
    gaussian = Gaussian.of(rows)
    assert gaussian.mu.dtype == np.float64 and gaussian.count == 50
    centred = rows.astype(np.float64) - rows.astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(gaussian.sigma, centred.T @ centred / 49, rtol=1e-12)
    with pytest.raises(DataError, match="at least 2"):
        Gaussian.of(rows[:1])
