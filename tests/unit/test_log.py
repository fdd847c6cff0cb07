"""Logging: console lines clear of progress bars, and one log file per stage (toolkit.log)."""
from __future__ import annotations

import io
import logging

import pytest
from tqdm import tqdm

from toolkit.errors import DataError
from toolkit.log import LOG_DIR_ENV, ConsoleHandler, stage_log_file


def console_text(handler_class) -> str:
    """What a terminal receives when a line is logged while a progress bar is drawn on the same stream."""
    stream = io.StringIO()
    handler = handler_class(stream)
    record = logging.LogRecord("toolkit.test", logging.INFO, __file__, 0, "checkpoint written", None, None)
    with tqdm(total=10, file=stream, desc="train", mininterval=0, ascii=True) as bar:
        bar.update(3)
        handler.emit(record)
        bar.update(1)
    return stream.getvalue()


def line_holding(text: str, message: str) -> str:
    """The visible content of the terminal line where ``message`` appears (the part after its last ``\\r``)."""
    line = next(line for line in text.split("\n") if message in line)
    return line[: line.index(message) + len(message)].rsplit("\r", 1)[-1]


def test_console_lines_are_not_glued_onto_a_progress_bar():
    assert line_holding(console_text(logging.StreamHandler), "checkpoint written").startswith("train:")  # the problem
    text = console_text(ConsoleHandler)
    assert line_holding(text, "checkpoint written") == "checkpoint written"
    assert text.rstrip().rsplit("\r", 1)[-1].startswith("train:  40%")  # the bar is drawn again after the line


@pytest.fixture
def log_records():
    """INFO records reach the root logger's handlers for the duration of a test."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    yield logging.getLogger("toolkit.test")
    root.setLevel(level)


def test_the_recipe_folder_wins_over_the_default_and_runs_append(tmp_path, monkeypatch, log_records):
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "recipe" / "logs"))
    handlers = list(logging.getLogger().handlers)
    for run in (1, 2):
        with stage_log_file("train", tmp_path / "default") as path:
            log_records.info("run %d", run)
    assert path == tmp_path / "recipe" / "logs" / "train.log" and not (tmp_path / "default").exists()
    lines = path.read_text().splitlines()
    assert [line.split(": ", 1)[1] for line in lines if "toolkit.test" in line] == ["run 1", "run 2"]
    assert sum("train started: " in line for line in lines) == 2
    assert logging.getLogger().handlers == handlers  # the file is detached when the stage ends
    log_records.info("after the stage")
    assert "after the stage" not in path.read_text()


def test_the_default_folder_and_no_folder(tmp_path, monkeypatch, log_records):
    monkeypatch.delenv(LOG_DIR_ENV, raising=False)
    with stage_log_file("prepare", tmp_path / "data" / "logs") as path:
        log_records.info("validated")
    assert path == tmp_path / "data" / "logs" / "prepare.log" and "validated" in path.read_text()
    with stage_log_file("prepare") as path:
        assert path is None
    monkeypatch.setenv("RANK", "3")
    with stage_log_file("train", tmp_path) as path:
        assert path.name == "train.rank3.log"


def test_a_user_error_is_one_line_and_a_crash_keeps_its_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path))
    with pytest.raises(DataError), stage_log_file("dump"):
        raise DataError("data/demo/train/manifest.jsonl does not exist; run the prepare stage first")
    text = (tmp_path / "dump.log").read_text()
    assert "ERROR toolkit.log: data/demo/train/manifest.jsonl does not exist" in text and "Traceback" not in text
    with pytest.raises(ZeroDivisionError), stage_log_file("dump"):
        1 / 0
    text = (tmp_path / "dump.log").read_text()
    assert "ERROR toolkit.log: dump failed\nTraceback" in text and text.rstrip().endswith("ZeroDivisionError: division by zero")


def test_data_stages_log_next_to_the_dataset_and_the_recipe_folder_wins(tmp_path, monkeypatch):
    from toolkit.bin import obtain, prepare

    monkeypatch.delenv(LOG_DIR_ENV, raising=False)
    data = tmp_path / "data" / "demo"
    assert obtain.main(["--dataset", "demo", "--out", str(data / "source"), "--clips-per-category", "2"]) == 0
    hydra = [f"exp_dir={tmp_path / 'exp'}", f"data.data_dir={data}", "data.category_set=dcase23"]
    assert prepare.main(hydra + ["data.valid_fraction=0.5"]) == 0
    assert "obtain started: " in (data / "logs" / "obtain.log").read_text()
    text = (data / "logs" / "prepare.log").read_text()
    assert "prepare started: " in text and "INFO toolkit.data.prepare:" in text

    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "recipe_logs"))
    assert prepare.main(hydra + [f"data.source_dir={tmp_path / 'missing'}"]) == 1
    text = (tmp_path / "recipe_logs" / "prepare.log").read_text()
    assert f"ERROR toolkit: dataset folder {tmp_path / 'missing'} does not exist" in text
