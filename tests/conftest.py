"""Shared fixtures: the reference data in ../shared/data (skipped where absent), a local HTTP server, a
headless Chromium, torch thread hygiene, and a guard that the suite leaves no files in the checkout."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FOLEY_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_UNTRACKED_AT_START = pytest.StashKey[set | None]()


def _untracked_files() -> set[str] | None:
    """Files in the checkout that git neither tracks nor ignores (None outside a git checkout)."""
    try:
        listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                                capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return set(listed.stdout.splitlines())


def pytest_sessionstart(session):
    session.config.stash[_UNTRACKED_AT_START] = _untracked_files()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when tests wrote files into the checkout (logs, data, outputs belong in tmp_path)."""
    before = session.config.stash.get(_UNTRACKED_AT_START, None)
    after = _untracked_files()
    if before is None or after is None:
        return
    left = sorted(after - before)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"tests left {len(left)} file(s) in the checkout: {', '.join(left[:10])}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real clips, official statistics, test vectors); tests skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set FOLEY_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def realclips(shared_data) -> Path:
    return shared_data / "realclips"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests use one intra-op thread: their tensors are small and CI has two shared cores."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def served(tmp_path):
    """A local HTTP server for the files of tmp_path/served; yields its base URL."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def driver(tmp_path):
    """A headless Chromium (selenium) that logs its network requests (performance log) and console (browser log)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    if not (CHROMEDRIVER.is_file() and CHROMIUM):
        pytest.skip("no Chromium browser installed (apt-get install -y chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.implicitly_wait(0)
    yield browser
    browser.quit()


#: The small ESC-50-layout corpus of :func:`esc50_copy`: (target, category), deliberately not in name order.
ESC50_CLASSES = ((0, "dog"), (1, "rooster"), (14, "chirping_birds"))


@pytest.fixture(scope="session")
def esc50_copy(tmp_path_factory):
    """``esc50_copy(root=None)``: a small corpus in the ESC-50 layout (``meta/esc50.csv`` with all seven columns,
    ``audio/{fold}-{clip id}-{take}-{target}.wav``): the 3 classes of ``ESC50_CLASSES``, one 5-s 44.1 kHz mono
    clip per class in each of folds 1-5, differently filtered noise bursts per class. Returns its folder."""
    import numpy as np
    import soundfile as sf

    rate, n = 44100, 220500
    template = tmp_path_factory.mktemp("esc50_template")
    rows = ["filename,fold,target,category,esc10,src_file,take"]
    rng = np.random.default_rng(0)
    (template / "audio").mkdir()
    for index, (target, category) in enumerate(ESC50_CLASSES):
        for fold in range(1, 6):
            clip_id = 100000 + 100 * index + fold
            name = f"{fold}-{clip_id}-A-{target}.wav"
            noise = np.convolve(rng.standard_normal(n), np.ones(2 + 8 * index) / (2 + 8 * index), mode="same")
            sf.write(str(template / "audio" / name), 0.5 * noise * np.exp(-np.linspace(0, 2 + fold, n)) /
                     np.abs(noise).max(), rate, subtype="PCM_16")
            rows.append(f"{name},{fold},{target},{category},{target == 0},{clip_id},A")
    (template / "meta").mkdir()
    (template / "meta" / "esc50.csv").write_text("\n".join(rows) + "\n")

    def copy(root: Path | None = None) -> Path:
        root = Path(root or tmp_path_factory.mktemp("esc50")) / "ESC-50"
        shutil.copytree(template, root)
        return root

    return copy
