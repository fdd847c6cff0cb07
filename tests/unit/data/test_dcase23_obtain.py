"""The dcase23 obtainer: link a local copy, verification, offline error, resumable download."""
from __future__ import annotations

import http.server
import tarfile
import threading

import numpy as np
import pytest
import soundfile as sf

from toolkit.dcase import CATEGORIES
from toolkit.data import dcase23
from toolkit.errors import DataError

COUNTS = {name: 2 for name in CATEGORIES}


def make_dev_set(root, counts=COUNTS, frames=88200, sample_rate=22050):
    for name, count in counts.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            sf.write(str(root / name / f"{i:04d}.wav"), np.full(frames, 0.01 * (i + 1)), sample_rate, subtype="PCM_16")
    return root


def test_link_local_copy_found_below_root(tmp_path):
    dev = make_dev_set(tmp_path / "unpacked" / "DCASEFoleySoundSynthesisDevSet")
    out = tmp_path / "data" / "dcase23" / "source"
    dcase23.obtain(out, root=tmp_path / "unpacked", expected_counts=COUNTS)
    assert out.is_symlink() and out.resolve() == dev.resolve()
    assert sorted(p.name for p in out.iterdir()) == sorted(CATEGORIES)


def test_snake_case_dev_folder_preferred_over_eval(tmp_path):
    snake = {"dog_bark": 1, "footstep": 1, "gunshot": 1, "keyboard": 1, "moving_motor_vehicle": 1, "rain": 1,
             "sneeze_cough": 1}
    make_dev_set(tmp_path / "release" / "eval", snake)
    dev = make_dev_set(tmp_path / "release" / "dev", snake)
    assert dcase23.find_dev_root(tmp_path / "release") == dev
    dcase23.verify(dev, {name: 1 for name in CATEGORIES})


def test_verification_failures(tmp_path):
    root = make_dev_set(tmp_path / "dev")
    with pytest.raises(DataError, match="DogBark has 2 clips, expected 3"):
        dcase23.verify(root, dict(COUNTS, DogBark=3))
    sf.write(str(root / "Rain" / "0000.wav"), np.zeros(88200), 44100, subtype="PCM_16")
    with pytest.raises(DataError, match=r"1 clip\(s\) are not 22050 Hz mono 88200 samples, e.g. .*Rain"):
        dcase23.verify(root, COUNTS)
    (root / "Rain" / "0000.wav").unlink()
    (root / "Rain" / "0001.wav").rename(root / "Rain" / "0000.wav")
    sf.write(str(root / "Rain" / "0001.wav"), np.zeros(44100), 22050, subtype="PCM_16")
    with pytest.raises(DataError, match="not 22050 Hz mono 88200 samples"):
        dcase23.verify(root, COUNTS)
    (root / "Keyboard").rename(root / "Typing")
    with pytest.raises(DataError, match="missing class folder.*Keyboard"):
        dcase23.verify(root, COUNTS)
    with pytest.raises(DataError, match="does not contain the 7 DCASE class folders"):
        dcase23.find_dev_root(root)


def test_offline_download_is_one_clear_line(tmp_path):
    with pytest.raises(DataError) as info:
        dcase23.obtain(tmp_path / "source", url="http://127.0.0.1:9/x.tar.gz", download_dir=tmp_path / "dl")
    message = str(info.value)
    assert "cannot download http://127.0.0.1:9/x.tar.gz" in message and "DCASE23_ROOT" in message
    assert "\n" not in message
    assert not (tmp_path / "source").exists()


class _Server:
    """A tiny HTTP server for one payload; honours Range requests unless told not to."""

    def __init__(self, payload: bytes, honour_range: bool = True):
        self.payload, self.honour_range, self.ranges = payload, honour_range, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requested = self.headers.get("Range")
                server.ranges.append(requested)
                start = int(requested.split("=")[1].rstrip("-")) if requested and server.honour_range else 0
                if start >= len(server.payload):
                    self.send_response(416)
                    self.end_headers()
                    return
                body = server.payload[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/DevSet.tar.gz?download=1"

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("honour_range", [True, False])
def test_download_resumes_partial_file(tmp_path, honour_range):
    payload = np.random.default_rng(0).bytes(300_000)
    archive = tmp_path / "DevSet.tar.gz"
    (tmp_path / "DevSet.tar.gz.part").write_bytes(payload[:120_000])
    server = _Server(payload, honour_range)
    with server as url:
        import hashlib

        dcase23.SOURCE.download(url, archive, checksum="sha256:" + hashlib.sha256(payload).hexdigest())
    assert server.ranges == ["bytes=120000-"]
    assert archive.read_bytes() == payload and not (tmp_path / "DevSet.tar.gz.part").exists()


def test_complete_partial_file_and_bad_checksum(tmp_path):
    payload = b"x" * 5000
    (tmp_path / "a.tar.gz.part").write_bytes(payload)
    with _Server(payload) as url:
        dcase23.SOURCE.download(url, tmp_path / "a.tar.gz")  # the server answers 416: nothing left to fetch
        assert (tmp_path / "a.tar.gz").read_bytes() == payload
        with pytest.raises(DataError, match="md5 is .* expected 00ff; the file was deleted"):
            dcase23.SOURCE.download(url, tmp_path / "b.tar.gz", checksum="md5:00ff")
    assert not (tmp_path / "b.tar.gz").exists()


def test_obtain_downloads_unpacks_verifies_and_links(tmp_path):
    make_dev_set(tmp_path / "pack" / "DCASE_2023_Challenge_Task_7_Dataset" / "dev")
    with tarfile.open(tmp_path / "set.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "pack" / "DCASE_2023_Challenge_Task_7_Dataset", arcname="DCASE_2023_Challenge_Task_7_Dataset")
    out = tmp_path / "data" / "source"
    with _Server((tmp_path / "set.tar.gz").read_bytes()) as url:
        dcase23.obtain(out, url=url, download_dir=tmp_path / "downloads", expected_counts=COUNTS)
    assert (tmp_path / "downloads" / "DevSet.tar.gz").is_file()
    assert out.resolve() == (tmp_path / "downloads" / "dcase23" / "DCASE_2023_Challenge_Task_7_Dataset" / "dev").resolve()
    assert len(list(out.glob("*/*.wav"))) == 14
