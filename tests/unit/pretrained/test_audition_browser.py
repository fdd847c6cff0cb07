"""End to end in a real headless Chromium: generate two clips of one category, play them, download the zip,
and no request leaves this machine. Its screenshot goes to build/screenshots/ or the folder in FOLEY_SCREENSHOTS
(`make screenshots` refreshes the README's, docs/images/audition.png)."""
from __future__ import annotations

import io
import json
import os
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import soundfile as sf

from toolkit.pretrained import FoleyModel

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CATEGORY, SEED, NOISE_SCALE = "Footstep", 7, "0.9"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last call (Chrome's performance log: DevTools Network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_generate_play_and_download_two_clips(driver, audition_server, package, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    model = FoleyModel.from_pretrained(package, device="cpu")
    driver.set_window_size(1100, 700)
    driver.get("about:blank")
    requested_urls(driver)  # the browser's own start-up pages (chrome://) are not the app's
    driver.get(audition_server.url)
    WebDriverWait(driver, 60).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
    options = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#category option")]
    assert options == list(model.categories)

    Select(driver.find_element(By.ID, "category")).select_by_value(CATEGORY)
    for field, value in (("n", "2"), ("seed", str(SEED))):
        driver.find_element(By.ID, field).clear()
        driver.find_element(By.ID, field).send_keys(value)
    driver.execute_script("const s = document.getElementById('noise-scale'); s.value = arguments[0];"
                          "s.dispatchEvent(new Event('input'));", NOISE_SCALE)
    assert driver.find_element(By.ID, "noise-scale-value").text == "0.90"
    driver.find_element(By.ID, "generate").click()
    take = WebDriverWait(driver, 180).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".take[data-status='done']") if
        d.find_elements(By.CSS_SELECTOR, ".take[data-status='done']") else None)
    assert driver.find_element(By.ID, "status").text == "Done: 2 clips of Footstep"

    players = take.find_elements(By.TAG_NAME, "audio")
    assert len(players) == 2
    pictures = take.find_elements(By.CSS_SELECTOR, ".card img")
    WebDriverWait(driver, 60).until(lambda d: all(d.execute_script("return arguments[0].readyState", p) >= 2
                                                  for p in players))
    WebDriverWait(driver, 60).until(lambda d: all(d.execute_script("return arguments[0].complete", p)
                                                  for p in pictures))
    expected_seconds = model.clip_samples / model.sample_rate
    clips = []
    for player, picture in zip(players, pictures):
        assert driver.execute_script("return arguments[0].error", player) is None  # Chromium decoded it
        assert driver.execute_script("return arguments[0].duration", player) == pytest.approx(expected_seconds, abs=1e-3)
        assert driver.execute_script("return arguments[0].naturalWidth", picture) > 100  # the mel picture
        wav = fetch(player.get_property("currentSrc"))
        info = sf.info(io.BytesIO(wav))
        assert (info.samplerate, info.frames, info.channels) == (model.sample_rate, model.clip_samples, 1)
        clips.append(wav)
    assert clips[0] != clips[1]  # two variations, not one clip twice

    links = take.find_elements(By.CSS_SELECTOR, "a.wav")
    assert [link.get_attribute("download") for link in links] == \
        [f"001_{CATEGORY}_seed{SEED}_ns{NOISE_SCALE}_{i:04d}.wav" for i in (1, 2)]
    zip_link = take.find_element(By.CSS_SELECTOR, "a.zip")
    assert zip_link.is_displayed() and zip_link.get_attribute("download").endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(fetch(zip_link.get_property("href")))) as archive:
        root = zip_link.get_attribute("download").removesuffix(".zip")
        manifest = [json.loads(line) for line in archive.read(f"{root}/manifest.jsonl").decode().splitlines()]
        assert [archive.read(f"{root}/{record['path']}") for record in manifest] == clips

    screenshots = Path(os.environ.get("FOLEY_SCREENSHOTS") or Path(__file__).resolve().parents[3] / "build" / "screenshots")
    screenshots.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(screenshots / "audition.png"))

    urls = requested_urls(driver)
    assert any(url.endswith("/assets/audition.js") for url in urls) and any(".wav" in url for url in urls)
    foreign = [url for url in urls if urlsplit(url).scheme not in ("data", "blob", "about", "chrome")
               and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"the page asked other hosts: {foreign}"
    problems = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []  # no script errors, nothing refused by the Content-Security-Policy
