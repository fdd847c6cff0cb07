"""The VGGish front end against the official numpy front end's outputs (shared test vectors)."""
import numpy as np
import pytest

from toolkit.errors import DataError
from toolkit.score.vggish import log_mel_examples
from toolkit.score.vggish_frontend import mel_matrix


@pytest.fixture(scope="module")
def vectors(shared_data):
    return dict(np.load(shared_data / "testvectors" / "vggish_frontend_vectors.npz"))


def test_mel_matrix_matches_official(vectors):
    np.testing.assert_allclose(mel_matrix(), vectors["mel_matrix"], rtol=0, atol=1e-9)


def test_dcase2023_mode_matches_official_scorer(vectors):
    examples = log_mel_examples(vectors["dcase_int16_input"], "dcase2023", 22050)
    assert examples.shape == (10, 96, 64) and examples.dtype == np.float64
    np.testing.assert_allclose(examples, vectors["dcase_examples"], rtol=0, atol=1e-6)


def test_dcase2023_mode_is_gain_invariant(vectors):
    raw = vectors["dcase_int16_input"]
    louder = raw.astype(np.int32) * 4  # peak normalisation by max(0.1, max(x)) removes the gain
    np.testing.assert_allclose(log_mel_examples(louder, "dcase2023", 22050),
                               log_mel_examples(raw, "dcase2023", 22050), rtol=0, atol=1e-12)


def test_standard_mode_matches_plain_vggish(vectors):
    examples = log_mel_examples(vectors["standard_input_16k"], "standard", 16000)
    assert examples.shape == (2, 96, 64)
    np.testing.assert_allclose(examples, vectors["standard_examples"], rtol=0, atol=1e-6)


def test_standard_mode_resamples_to_16k():
    clip = np.random.default_rng(0).uniform(-0.5, 0.5, 88200)  # 4 s at 22,050 Hz
    assert log_mel_examples(clip, "standard", 22050).shape == (4, 96, 64)


def test_bad_mode_and_rate_are_clear_errors(vectors):
    with pytest.raises(DataError, match="unknown VGGish mode 'fast'"):
        log_mel_examples(vectors["standard_input_16k"], "fast", 16000)
    with pytest.raises(DataError, match="22,050 Hz"):
        log_mel_examples(vectors["dcase_int16_input"], "dcase2023", 16000)
    with pytest.raises(DataError, match="mono"):
        log_mel_examples(np.zeros((2, 1000)), "standard", 16000)
