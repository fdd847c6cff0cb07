"""The pages in a real headless Chromium at 1,400 px: the experiment report (fits, headline first, every
player loads), the listening test (no rating before playing, one category at a time, reload, export) and the
results page (unplayed ratings flagged).

Each test writes a full-page screenshot for a person to look at: ``build/screenshots/`` under the repository
root, or the folder in ``FOLEY_SCREENSHOTS``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from toolkit.bin.listening_results import main as results_main
from toolkit.report.gallery import write_report
from toolkit.report.listening_test import REFERENCE_NAME, System, build_listening_test
from toolkit.report.order import presentation_order

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEED = 4242
WIDTH = 1400
SCREENSHOTS = Path(os.environ.get("FOLEY_SCREENSHOTS") or Path(__file__).resolve().parents[3] / "build" / "screenshots")


@pytest.fixture
def driver(driver):
    """The shared headless Chromium (tests/conftest.py) at this test's width."""
    driver.set_window_size(WIDTH, 900)
    return driver


def wait(driver, condition, seconds: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.05).until(condition)


#: true when every shown image has loaded (lazy ones load once the viewport reaches them)
IMAGES_SHOWN = """return Array.from(document.images).filter(function (i) { return i.offsetParent !== null; })
    .every(function (i) { return i.complete && i.naturalWidth > 0; });"""


def screenshot(driver, name: str) -> Path:
    """A full-page PNG at the test width (the viewport grows to the page's height for the shot), taken once
    every shown image has loaded."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": min(height, 16000), "deviceScaleFactor": 1, "mobile": False})
    wait(driver, lambda d: d.execute_script(IMAGES_SHOWN))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path


def overflow(driver) -> dict:
    """How far the page, and any scrolling box inside it, is wider than its room (0 when it fits)."""
    return driver.execute_script("""
        var page = document.documentElement;
        var boxes = Array.from(document.querySelectorAll('.table-wrap, pre'))
            .filter(function (b) { return b.offsetParent !== null; })
            .map(function (b) { return b.scrollWidth - b.clientWidth; });
        return {page: page.scrollWidth - page.clientWidth, boxes: Math.max.apply(null, [0].concat(boxes)),
                width: window.innerWidth};""")


def test_report_fits_opens_with_the_headline_and_every_player_loads(driver, experiment, tmp_path, monkeypatch):
    from selenium.webdriver.common.by import By

    monkeypatch.chdir(tmp_path / "recipe")
    index = write_report(experiment, count=2)
    driver.get(index.as_uri())
    assert driver.execute_script("return window.innerWidth") == WIDTH
    first_heading = driver.find_element(By.CSS_SELECTOR, "main h2")
    assert first_heading.text == "Headline scores"
    assert driver.execute_script("return document.querySelector('table').closest('#headline') !== null")
    headline = driver.find_element(By.CSS_SELECTOR, "#headline table")
    assert headline.location["y"] < 900 and headline.is_displayed()  # seen without scrolling
    assert driver.find_elements(By.CSS_SELECTOR, "#headline td.best")
    assert overflow(driver) == {"page": 0, "boxes": 0, "width": WIDTH}

    audios = driver.find_elements(By.TAG_NAME, "audio")
    assert len(audios) == 2 * 4 * 2  # (real + 3 generations) x 2 categories x 2 clips
    loaded = "return Array.from(document.querySelectorAll('audio')).map(function (a) {" \
             " return a.error ? 'error ' + a.error.code : a.readyState; });"
    wait(driver, lambda d: all(state != 0 for state in d.execute_script(loaded)))
    assert all(state in (1, 2, 3, 4) for state in driver.execute_script(loaded)), driver.execute_script(loaded)
    durations = driver.execute_script("return Array.from(document.querySelectorAll('audio')).map(a => a.duration)")
    assert all(d == pytest.approx(0.1, abs=0.01) for d in durations)
    screenshot(driver, "report")

    # a table-of-contents link unfolds its section; with every section open the page still fits
    driver.find_element(By.CSS_SELECTOR, "a[href='#all-scores']").click()
    assert driver.find_element(By.ID, "all-scores").get_attribute("open") is not None
    driver.execute_script("document.querySelectorAll('details').forEach(function (d) { d.open = true; });")
    assert overflow(driver) == {"page": 0, "boxes": 0, "width": WIDTH}
    screenshot(driver, "report-unfolded")


def rating(item_id: str, salt: int) -> int:
    """A rating derived from the id (so every item gets a known, varied value)."""
    return 1 + (int(item_id, 16) // 7 ** salt) % 10


def rate_by_keyboard(driver, name: str, value: int) -> None:
    """Focus the group's first radio, Space selects 1, each ArrowRight moves the selection up by one."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    first = driver.find_element(By.CSS_SELECTOR, f"input[name='{name}'][value='1']")
    first.send_keys(Keys.SPACE)
    if value > 1:
        ActionChains(driver).send_keys(Keys.ARROW_RIGHT * (value - 1)).perform()
    checked = driver.find_element(By.CSS_SELECTOR, f"input[name='{name}']:checked")
    assert checked.get_attribute("value") == str(value)


def enabled(name: str):
    from selenium.webdriver.common.by import By

    return lambda d: d.find_element(By.CSS_SELECTOR, f"input[name='{name}'][value='1']").is_enabled()


def play(driver, clip: str) -> None:
    """Press the clip's Play button and wait until it has been heard to its end (its ratings unlock)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.find_element(By.CSS_SELECTOR, f"button.play[data-clip='{clip}']").send_keys(Keys.ENTER)
    wait(driver, enabled(f"q-{clip}"))


def force_rating(driver, name: str, value: int) -> None:
    """Set a rating by script, past the lock (as answers from an older page, or an edited one, would have)."""
    driver.execute_script(
        "var input = document.querySelector(\"input[name='\" + arguments[0] + \"'][value='\" + arguments[1] + \"']\");"
        "input.closest('fieldset').disabled = false; input.click();", name, str(value))


@pytest.fixture
def listening(tmp_path, clip_writer):
    clip_writer(tmp_path / "sys_a", ["DogBark", "Rain"], 2, seed=1)
    clip_writer(tmp_path / "sys_b" / "generated_audio", ["dog_bark", "rain"], 2, seed=2)
    clip_writer(tmp_path / "real", ["DogBark", "Rain"], 2, seed=3)
    key = build_listening_test(
        [System("a", tmp_path / "sys_a"), System("b", tmp_path / "sys_b"),
         System(REFERENCE_NAME, tmp_path / "real", is_reference=True)],
        tmp_path / "test", clips_per_set=2)
    return key, tmp_path / "test" / "page" / "index.html"


def start(driver, page: Path) -> list[dict]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(page.as_uri())
    driver.find_element(By.ID, "listener").send_keys("listener-1")
    seed_box = driver.find_element(By.ID, "seed")
    seed_box.clear()
    seed_box.send_keys(str(SEED), Keys.ENTER)
    assert driver.find_element(By.ID, "test").is_displayed()
    data = json.loads(driver.find_element(By.ID, "test-data").get_attribute("textContent"))
    return presentation_order(data["categories"], SEED)


def test_rating_is_refused_before_playing_and_allowed_after(driver, listening):
    from selenium.common.exceptions import ElementNotInteractableException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    key, page = listening
    order = start(driver, page)
    first_set = order[0]["sets"][0]
    clip = first_set["clips"][0]
    radio = driver.find_element(By.CSS_SELECTOR, f"input[name='q-{clip}'][value='7']")
    assert not radio.is_enabled()
    with pytest.raises(ElementNotInteractableException):
        radio.send_keys(Keys.SPACE)
    driver.execute_script("arguments[0].click();", radio)  # even a scripted click on a disabled radio does nothing
    assert not driver.find_elements(By.CSS_SELECTOR, f"input[name='q-{clip}']:checked")
    assert driver.find_element(By.ID, f"lock-{clip}").is_displayed()
    assert not driver.find_element(By.CSS_SELECTOR, f"input[name='d-{first_set['id']}']").is_enabled()
    assert driver.execute_script("return window.foleyListeningTest.answers().clips")[clip]["quality"] is None
    screenshot(driver, "listening-before-play")

    play(driver, clip)
    assert not driver.find_element(By.ID, f"lock-{clip}").is_displayed()
    rate_by_keyboard(driver, f"q-{clip}", 7)
    assert not driver.find_element(By.CSS_SELECTOR, f"input[name='d-{first_set['id']}']").is_enabled()
    play(driver, first_set["clips"][1])  # every clip of the set heard: its diversity unlocks
    wait(driver, enabled(f"d-{first_set['id']}"))
    exported = driver.execute_script("return window.foleyListeningTest.answers()")
    assert exported["clips"][clip] == {"quality": 7, "fit": None, "played": True}
    assert exported["played_share"] == 1.0
    screenshot(driver, "listening-after-play")


def test_one_category_at_a_time_reload_export_and_flagged_results(driver, listening, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    key, page = listening
    order = start(driver, page)
    assert driver.execute_script(f"return window.foleyListeningTest.presentationOrder({SEED});") == order
    progress = driver.find_element(By.ID, "progress-bar")
    assert progress.location["y"] < driver.find_element(By.ID, "items").location["y"]

    forced = order[-1]["sets"][-1]  # rated without being played, past the lock
    for index, category in enumerate(order):
        heading = driver.find_element(By.ID, "cat-title").text
        assert heading == f"Category {index + 1} of {len(order)}: {category['label']}"
        shown = [b.get_attribute("data-clip") for b in driver.find_elements(By.CSS_SELECTOR, "button.play")]
        assert shown == [c for s in category["sets"] for c in s["clips"]]  # only this category
        for number, item in enumerate(category["sets"]):
            if index == 1 and number == 1:
                driver.refresh()  # answers and the current category survive a reload (localStorage)
                assert driver.find_element(By.ID, "cat-title").text == heading
                checked = driver.find_elements(By.CSS_SELECTOR, "input[type=radio]:checked")
                assert len(checked) == 1 + 2 * len(category["sets"][0]["clips"])
            for clip in item["clips"]:
                if item is forced:
                    force_rating(driver, f"q-{clip}", rating(clip, 0))
                    force_rating(driver, f"f-{clip}", rating(clip, 1))
                    continue
                play(driver, clip)
                rate_by_keyboard(driver, f"q-{clip}", rating(clip, 0))
                rate_by_keyboard(driver, f"f-{clip}", rating(clip, 1))
            if item is forced:
                force_rating(driver, f"d-{item['id']}", rating(item["id"], 2))
            else:
                rate_by_keyboard(driver, f"d-{item['id']}", rating(item["id"], 2))
        if index == 0:
            screenshot(driver, "listening-category")
        if index < len(order) - 1:
            driver.find_element(By.ID, "next").send_keys(Keys.ENTER)
    assert not driver.find_element(By.ID, "next").is_enabled()

    total = 2 * len(key["clips"]) + len(key["sets"])
    assert driver.find_element(By.ID, "progress").text.startswith(f"All {total} ratings given")
    assert driver.find_element(By.ID, "progress-bar").get_attribute("value") == str(total)
    driver.find_element(By.ID, "export").send_keys(Keys.ENTER)
    exported = json.loads(driver.find_element(By.ID, "export-json").get_attribute("value"))
    assert exported["listener"] == "listener-1" and exported["seed"] == SEED
    assert {c for c, entry in exported["clips"].items() if not entry["played"]} == set(forced["clips"])
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(exported))

    out = tmp_path / "r"
    assert results_main([str(answers), "--key", str(tmp_path / "test" / "key.json"), "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    unplayed = 2 * len(forced["clips"]) + 1
    assert results["unplayed"] == {"ratings": unplayed, "excluded": False}
    for row in results["rows"]:
        if row["category"] == "all":
            continue
        clips = [c for c, item in key["clips"].items()
                 if (item["system"], item["category"]) == (row["system"], row["category"])]
        set_id = next(s for s, item in key["sets"].items()
                      if (item["system"], item["category"]) == (row["system"], row["category"]))
        assert row["quality"]["mean"] == pytest.approx(sum(rating(c, 0) for c in clips) / len(clips))
        assert row["fit"]["mean"] == pytest.approx(sum(rating(c, 1) for c in clips) / len(clips))
        assert row["diversity"]["mean"] == rating(set_id, 2) and row["diversity"]["n"] == 1
    assert len([r for r in results["rows"] if r["category"] != "all"]) == len(key["sets"])

    driver.get((out / "results.html").as_uri())
    flag = driver.find_element(By.ID, "unplayed")
    assert flag.is_displayed() and flag.location["y"] < driver.find_element(By.TAG_NAME, "table").location["y"]
    assert f"{unplayed} rating(s) were given to clips that were never played" in flag.text
    assert f"listener-1 (seed {SEED}" in flag.text
    assert "reference (reference)" not in driver.find_element(By.TAG_NAME, "table").text
    assert driver.execute_script("var i = document.querySelector('img'); return i.complete && i.naturalWidth > 0")
    assert overflow(driver)["page"] == 0
    screenshot(driver, "listening-results")
