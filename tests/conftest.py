"""Shared fixtures: the reference data in ../shared/data (skipped where absent), a local HTTP server, and
torch thread hygiene."""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FOLEY_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


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
