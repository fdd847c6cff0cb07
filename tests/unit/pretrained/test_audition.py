"""The audition app's HTTP interface: the model, takes with progress, clips, pictures, zips and bad requests."""
from __future__ import annotations

import io
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest
import soundfile as sf

from toolkit.audition import MAX_VARIATIONS
from toolkit.audition.server import POLICY, is_loopback
from toolkit.bin.audition import main as audition_main
from toolkit.pretrained import FoleyModel


def call(server, path, body=None, headers=None):
    """(status, headers, body bytes) of a GET, or of a POST when ``body`` is given (sent as JSON)."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    headers = {"Content-Type": "application/json", **(headers or {})} if body is not None else (headers or {})
    request = urllib.request.Request(server.url.rstrip("/") + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def finished(server, take_id, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        take = json.loads(call(server, f"/api/takes/{take_id}")[2])
        if take["status"] in ("done", "failed"):
            return take
        time.sleep(0.05)
    raise AssertionError(f"take {take_id} did not finish: {take}")


def test_a_take_is_the_models_clips_in_the_recipes_layout(audition_server, package):
    model = FoleyModel.from_pretrained(package, device="cpu")
    status, headers, body = call(audition_server, "/api/model")
    described = json.loads(body)
    assert status == 200 and headers["Content-Security-Policy"] == POLICY
    assert described["categories"] == list(model.categories) and described["max_variations"] == MAX_VARIATIONS
    assert (described["sample_rate"], described["clip_samples"]) == (model.sample_rate, model.clip_samples)

    status, _, body = call(audition_server, "/api/takes", {"category": "rain", "n": 3, "seed": 11, "noise_scale": 0.5})
    assert status == 202 and json.loads(body)["category"] == "Rain"
    take = finished(audition_server, json.loads(body)["id"])
    assert take["status"] == "done" and take["done"] == 3 and len(take["clips"]) == 3

    expected = model.generate("Rain", n=3, seed=11, noise_scale=0.5)
    assert np.abs(expected).max() > 1e-3  # not silence: the comparison below means something
    clips = []
    for clip, want in zip(take["clips"], expected):
        status, headers, wav = call(audition_server, clip["audio"])
        assert status == 200 and headers["Content-Type"] == "audio/wav" and clip["file"].endswith(".wav")
        audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
        assert rate == model.sample_rate and audio.shape == (model.clip_samples,)
        np.testing.assert_allclose(audio, want, atol=2 / 32768)
        clips.append(wav)
        status, headers, png = call(audition_server, clip["mel"])
        assert status == 200 and png.startswith(b"\x89PNG")

    status, headers, ranged = call(audition_server, take["clips"][0]["audio"], headers={"Range": "bytes=4-11"})
    assert status == 206 and ranged == clips[0][4:12] and headers["Content-Range"] == f"bytes 4-11/{len(clips[0])}"

    status, headers, body = call(audition_server, take["zip"])
    assert status == 200 and take["zip_file"] in headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        folder = take["zip_file"].removesuffix(".zip")
        manifest = [json.loads(line) for line in archive.read(f"{folder}/manifest.jsonl").decode().splitlines()]
        assert [(m["category"], m["index"], m["noise_scale"]) for m in manifest] == [("Rain", i, 0.5) for i in (1, 2, 3)]
        assert [archive.read(f"{folder}/{m['path']}") for m in manifest] == clips
        assert f"{folder}/generated_audio/rain/0001.wav" in archive.namelist()
        assert f"{folder}/generate.yaml" in archive.namelist()


@pytest.mark.parametrize("fields, message", [
    ({"category": "Thunder", "n": 1}, "unknown category 'Thunder'"),
    ({"category": "Rain", "n": 0}, "n must be an integer from 1 to 32, got 0"),
    ({"category": "Rain", "n": MAX_VARIATIONS + 1}, "n must be an integer from 1 to 32, got 33"),
    ({"category": "Rain", "n": 1.5}, "n must be an integer"),
    ({"category": "Rain", "seed": -1}, "seed must be an integer from 0 to 4294967295, got -1"),
    ({"category": "Rain", "noise_scale": -0.1}, "noise_scale must be a number >= 0"),
    ({"category": "Rain", "noise_scale": "loud"}, "noise_scale must be a number >= 0"),
])
def test_bad_requests_are_one_line_and_queue_nothing(audition_server, fields, message):
    status, _, body = call(audition_server, "/api/takes", fields)
    assert status == 400 and message in json.loads(body)["error"] and "\n" not in json.loads(body)["error"]
    assert json.loads(call(audition_server, "/api/takes")[2]) == []


def test_only_json_from_this_machine_is_served(audition_server):
    form = call(audition_server, "/api/takes", b"category=Rain", {"Content-Type": "application/x-www-form-urlencoded"})
    assert form[0] == 415  # a cross-site form cannot post a take
    rebound = call(audition_server, "/api/model", headers={"Host": "attacker.example:7860"})
    assert rebound[0] == 403 and "attacker.example" in json.loads(rebound[2])["error"]
    assert call(audition_server, "/api/model", headers={"Host": "localhost"})[0] == 200
    assert call(audition_server, "/takes/1/clips/1.wav")[0] == 404
    assert call(audition_server, "/takes/1/clips/1.png")[0] == 404
    assert call(audition_server, "/../setup.cfg")[0] == 404
    assert json.loads(call(audition_server, "/api/takes")[2]) == []


def test_loopback_addresses():
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.10", "example.org"]))


def test_command_fails_in_one_line_without_a_model_and_warns_about_other_hosts(tmp_path, capsys, caplog):
    assert audition_main([str(tmp_path / "missing"), "--port", "0"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0 and not caplog.records
    assert audition_main([str(tmp_path / "missing"), "--port", "0", "--host", "0.0.0.0"]) == 2
    assert "--host 0.0.0.0: anyone who can reach this machine" in caplog.text


def test_a_reused_folder_keeps_its_earlier_takes(package, tmp_path):
    from toolkit.audition import Audition

    (tmp_path / "004_Rain_seed0_ns0.5").mkdir(parents=True)
    audition = Audition(FoleyModel.from_pretrained(package, device="cpu"), tmp_path)
    try:
        take = audition.request("DogBark", 1, 3)
        assert take.id == 5 and take.folder == tmp_path / "005_DogBark_seed3_ns0.667"
        deadline = time.monotonic() + 120
        while take.status not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        audition.close()
    assert (take.folder / "audio" / "DogBark" / "0001.wav").is_file()


def test_a_busy_port_is_one_line(package, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert audition_main([str(package), "--port", str(port), "--device", "cpu"]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.slow
def test_the_command_serves_until_interrupted(package, tmp_path):
    command = [sys.executable, "-m", "toolkit.bin.cli", "audition", str(package), "--port", "0", "--device", "cpu",
               "--out", str(tmp_path / "takes")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("Auditioning tiny-last at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url + "api/model", timeout=60) as response:
            assert json.loads(response.read())["source"] == "tiny-last"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert process.stdout.read().strip() == f"takes kept in {tmp_path / 'takes'}"
    finally:
        if process.poll() is None:
            process.kill()
