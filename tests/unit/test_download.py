"""The shared verified download: a file is kept only when its checksum matches, under the caller's error class."""
import hashlib

import pytest

from toolkit.download import download_file, parse_checksum
from toolkit.errors import ComponentError, ConfigError
from toolkit.score.weights import download


def test_weights_are_kept_only_when_the_sha256_matches(tmp_path, served):
    root, base = served
    payload = b"weights" * 1000
    (root / "w.pth").write_bytes(payload)
    target = tmp_path / "cache" / "w.pth"
    with pytest.raises(ComponentError, match="sha256 is .*, expected 00+; the file was deleted") as info:
        download(f"{base}/w.pth", target, "00" * 32, "test weights")
    assert "\n" not in str(info.value)
    assert not target.exists() and not target.with_name("w.pth.part").exists()
    assert download(f"{base}/w.pth", target, hashlib.sha256(payload).hexdigest().upper(), "test weights") == target
    assert target.read_bytes() == payload


def test_missing_file_and_bad_checksum_spec_are_one_line_errors_of_the_callers_class(tmp_path, served):
    _, base = served
    with pytest.raises(ConfigError, match=f"cannot download {base}/none.bin \\(HTTP 404 .*\\); fix the URL$"):
        download_file(f"{base}/none.bin", tmp_path / "none.bin", error=ConfigError, hint="fix the URL")
    with pytest.raises(ConfigError, match="checksum 'crc:12' must look like md5:<hex> or sha256:<hex>"):
        download_file(f"{base}/none.bin", tmp_path / "none.bin", "crc:12", error=ConfigError)
    assert parse_checksum("SHA256:AB") == ("sha256", "ab")
    assert not (tmp_path / "none.bin").exists()


def test_a_checksum_prefix_is_checked_like_a_torch_hub_name(tmp_path, served):
    root, base = served
    payload = b"weights" * 1000
    (root / "w.pth").write_bytes(payload)
    digest = hashlib.sha256(payload).hexdigest()
    target = tmp_path / "cache" / "w.pth"
    with pytest.raises(ComponentError, match=f"sha256 is {digest}, expected 00000000; the file was"):
        download(f"{base}/w.pth", target, "00000000", "test weights")
    assert not target.exists()
    assert download(f"{base}/w.pth", target, digest[:8], "test weights") == target
