"""End to end in a real headless Chromium: rate every clip by keyboard, reload midway, export, merge."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from toolkit.bin.listening_results import main as results_main
from toolkit.report.listening_test import REFERENCE_NAME, System, build_listening_test
from toolkit.report.order import presentation_order

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SEED = 4242


@pytest.fixture
def driver(tmp_path):
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
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.implicitly_wait(0)
    yield browser
    browser.quit()


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


def test_rate_reload_export_and_merge(driver, tmp_path, clip_writer):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    clip_writer(tmp_path / "sys_a", ["DogBark", "Rain"], 2, seed=1)
    clip_writer(tmp_path / "sys_b" / "generated_audio", ["dog_bark", "rain"], 2, seed=2)
    clip_writer(tmp_path / "real", ["DogBark", "Rain"], 2, seed=3)
    key = build_listening_test(
        [System("a", tmp_path / "sys_a"), System("b", tmp_path / "sys_b"),
         System(REFERENCE_NAME, tmp_path / "real", is_reference=True)],
        tmp_path / "test", clips_per_set=2)
    page = tmp_path / "test" / "page" / "index.html"
    driver.get(page.as_uri())

    driver.find_element(By.ID, "listener").send_keys("listener-1")
    seed_box = driver.find_element(By.ID, "seed")
    seed_box.clear()
    seed_box.send_keys(str(SEED), Keys.ENTER)
    assert driver.find_element(By.ID, "test").is_displayed()

    data = json.loads(driver.find_element(By.ID, "test-data").get_attribute("textContent"))
    expected_order = presentation_order(data["categories"], SEED)
    assert driver.execute_script(f"return window.foleyListeningTest.presentationOrder({SEED});") == expected_order
    shown = [b.get_attribute("data-clip") for b in driver.find_elements(By.CSS_SELECTOR, "button.play")]
    assert shown == [c for cat in expected_order for s in cat["sets"] for c in s["clips"]]

    sets = [s for cat in expected_order for s in cat["sets"]]
    for index, item in enumerate(sets):
        if index == len(sets) // 2:
            driver.refresh()  # answers so far must survive a reload (localStorage)
            assert driver.find_element(By.ID, "test").is_displayed()
            checked = driver.find_elements(By.CSS_SELECTOR, "input[type=radio]:checked")
            assert len(checked) == sum(1 + 2 * len(s["clips"]) for s in sets[:index])
        for clip in item["clips"]:
            button = driver.find_element(By.CSS_SELECTOR, f"button.play[data-clip='{clip}']")
            button.send_keys(Keys.ENTER)
            rate_by_keyboard(driver, f"q-{clip}", rating(clip, 0))
            rate_by_keyboard(driver, f"f-{clip}", rating(clip, 1))
        rate_by_keyboard(driver, f"d-{item['id']}", rating(item["id"], 2))

    total = 2 * len(key["clips"]) + len(key["sets"])
    assert driver.find_element(By.ID, "progress").text.startswith(f"All {total} ratings given")
    driver.find_element(By.ID, "export").send_keys(Keys.ENTER)
    exported = json.loads(driver.find_element(By.ID, "export-json").get_attribute("value"))
    assert exported["listener"] == "listener-1" and exported["seed"] == SEED
    assert all(entry["played"] for entry in exported["clips"].values())
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(exported))

    assert results_main([str(answers), "--key", str(tmp_path / "test" / "key.json"), "--out", str(tmp_path / "r")]) == 0
    rows = json.loads((tmp_path / "r" / "results.json").read_text())["rows"]
    for row in rows:
        if row["category"] == "all":
            continue
        clips = [c for c, item in key["clips"].items()
                 if (item["system"], item["category"]) == (row["system"], row["category"])]
        set_id = next(s for s, item in key["sets"].items()
                      if (item["system"], item["category"]) == (row["system"], row["category"]))
        assert row["quality"]["mean"] == pytest.approx(sum(rating(c, 0) for c in clips) / len(clips))
        assert row["fit"]["mean"] == pytest.approx(sum(rating(c, 1) for c in clips) / len(clips))
        assert row["diversity"]["mean"] == rating(set_id, 2) and row["diversity"]["n"] == 1
    assert len([r for r in rows if r["category"] != "all"]) == len(key["sets"])
