"""The blind listening test: hash-named clip copies, a static rating page and a separate key file.

Layout written under ``out``::

    page/index.html      the test (self-contained; opens from disk; answers in localStorage, JSON export)
    page/clips/<id>.wav  clip copies named by random ids, so names reveal neither system nor source
    key.json             id -> system, category, source file; beside the page folder, never referenced by it

Distribute only ``page/``; keep ``key.json`` for ``toolkit listening-results --key``.
"""
from __future__ import annotations

import json
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from tqdm import tqdm

from toolkit.categories import category_label, merged_names, spelling_key
from toolkit.errors import DataError
from toolkit.fileio import atomic_write_text, wav_files
from toolkit.report.html import asset, json_for_script, page, write_page
from toolkit.report.media import category_folders, copy_file

logger = logging.getLogger(__name__)

KEY_FORMAT = "foley-listening-key/1"
ANSWERS_FORMAT = "foley-listening-answers/1"
SCALE = (1, 10)
REFERENCE_NAME = "reference"
#: share of a clip a listener must hear before rating it (1.0: to its end)
PLAYED_SHARE = 1.0


@dataclass(frozen=True)
class System:
    """A set of clips to rate: a name (hidden from listeners) and a folder in either DCASE layout."""

    name: str
    root: Path
    is_reference: bool = False


def parse_system(text: str) -> System:
    """``NAME=DIR`` or ``DIR`` (named after the folder)."""
    name, sep, folder = text.partition("=")
    if not sep:
        name, folder = Path(text).name, text
    if not name or not folder:
        raise DataError(f"system '{text}': expected NAME=DIR or DIR")
    return System(name, Path(folder))


def _select(system: System, clips_per_set: int, seed: int) -> dict[str, list[Path]]:
    folders = category_folders(system.root)
    if not folders:
        raise DataError(
            f"system '{system.name}': no category folders in {system.root} "
            "(expected e.g. DogBark/ or dog_bark/, directly or under audio/ or generated_audio/)"
        )
    chosen = {}
    for category, folder in folders.items():
        files = wav_files(folder)
        if not files:
            logger.warning("system '%s': %s has no .wav files; category skipped", system.name, folder)
            continue
        rng = random.Random(f"{seed}:{system.name}:{category}")
        chosen[category] = sorted(rng.sample(files, min(clips_per_set, len(files))))
    return chosen


def build_listening_test(
    systems: list[System], out: Path, clips_per_set: int = 4, seed: int = 0,
    title: str = "Foley sound listening test", played_share: float = PLAYED_SHARE,
) -> dict:
    """Copy the clips, write ``out/page/index.html`` and ``out/key.json``; returns the key."""
    names = [s.name for s in systems]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DataError(f"system name(s) given twice: {', '.join(duplicates)}; use NAME=DIR to rename")
    if clips_per_set < 1:
        raise DataError(f"--clips must be at least 1, got {clips_per_set}")
    if not 0 < played_share <= 1:
        raise DataError(f"--played-share must be above 0 and at most 1, got {played_share}")
    selection = {s.name: _select(s, clips_per_set, seed) for s in systems}
    # systems may spell a category differently (a dataset's dog_bark/, a generation's DogBark/): one row each
    by_key = {name: {spelling_key(category): files for category, files in chosen.items()}
              for name, chosen in selection.items()}
    test_id = secrets.token_hex(8)
    key = {
        "format": KEY_FORMAT, "test_id": test_id, "title": title, "seed": seed,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "played_share": played_share,
        "systems": {s.name: {"root": str(s.root.resolve()), "reference": s.is_reference} for s in systems},
        "sets": {}, "clips": {},
    }
    categories = []
    jobs = []
    for category in merged_names(selection.values()):
        sets = []
        for system in systems:
            files = by_key[system.name].get(spelling_key(category))
            if not files:
                continue
            set_id = secrets.token_hex(6)
            key["sets"][set_id] = {"system": system.name, "category": category}
            clip_ids = []
            for source in files:
                clip_id = secrets.token_hex(8)
                key["clips"][clip_id] = {
                    "set": set_id, "system": system.name, "category": category, "source": str(source.resolve()),
                }
                clip_ids.append(clip_id)
                jobs.append((source, out / "page" / "clips" / f"{clip_id}.wav"))
            sets.append({"id": set_id, "clips": clip_ids})
        if sets:
            categories.append({"name": category, "label": category_label(category), "sets": sets})
    if not categories:
        raise DataError("no clips found in any system; nothing to rate")
    for source, target in tqdm(jobs, desc="copying clips", unit="clip"):
        copy_file(source, target)
    data = {"test_id": test_id, "title": title, "format": ANSWERS_FORMAT, "scale": list(SCALE),
            "played_share": played_share, "categories": categories}
    write_page(out / "page" / "index.html", render_page(data))
    atomic_write_text(out / "key.json", json.dumps(key, indent=2, sort_keys=True) + "\n")
    logger.info(
        "listening test %s: %d categories, %d sets, %d clips -> %s (key: %s)",
        test_id, len(categories), len(key["sets"]), len(key["clips"]), out / "page" / "index.html",
        out / "key.json",
    )
    return key


def render_page(data: dict) -> str:
    """The test page: static instructions and start form; the script builds the per-listener order."""
    low, high = data["scale"]
    share = data["played_share"]
    played = "to its end" if share >= 1 else f"(at least {share:.0%} of it)"
    body = f"""<main>
<h1>{escape(data['title'])}</h1>
<details id="intro" open>
<summary><h2>Instructions</h2></summary>
<p>For each sound category you hear several <em>sets</em> of short clips. Play every clip
{played}; then rate it for <strong>audio quality</strong> (is it clean, free of artefacts and distortion?) and
<strong>category fit</strong> (does it sound like the named category?). After a set, rate its
<strong>diversity</strong> (how different are the clips of the set from each other, while still fitting
the category?). A rating unlocks once its clip (for diversity: every clip of the set) has been played.
Categories come one at a time; the progress of all your ratings is shown at the top.</p>
<p id="scale-help">Each rating uses the {low}&ndash;{high} scale: {low} = very poor, {high} = excellent.
Use Tab to move between controls, the arrow keys to change a rating, and Enter or Space to play a clip.</p>
<p>Your answers are saved in this browser as you go; reloading the page loses nothing. When you are done,
press <em>Export answers</em> and send the downloaded file (or the text shown below the button).</p>
<form id="start-form">
<p><label for="listener">Listener id (a name or code you were given)</label><br>
<input id="listener" name="listener" autocomplete="off" required pattern=".*\\S.*" maxlength="64"></p>
<p><label for="seed">Seed (decides your order of clips; keep the one shown unless told otherwise)</label><br>
<input id="seed" name="seed" type="number" min="0" max="4294967295" step="1" required></p>
<p><button type="submit" id="start">Start the test</button></p>
<p id="start-error" role="alert"></p>
</form>
</details>
<noscript><p class="notes">This test needs JavaScript.</p></noscript>
<section id="test" hidden aria-labelledby="test-title">
<h2 id="test-title">Ratings</h2>
<p id="who"></p>
<p><progress id="progress-bar" aria-labelledby="progress" value="0" max="1"></progress>
<span id="progress" role="status" aria-live="polite"></span></p>
<div id="items"></div>
</section>
<section id="finish" hidden aria-labelledby="finish-title">
<h2 id="finish-title">Finish</h2>
<p><button type="button" id="export">Export answers</button>
<a id="download" hidden>Download the answers file again</a></p>
<p><label for="export-json">Exported answers (copy this text if the download did not work)</label><br>
<textarea id="export-json" readonly></textarea></p>
<p><button type="button" id="reset">Start over (deletes the answers in this browser)</button></p>
</section>
</main>
<script type="application/json" id="test-data">{json_for_script(data)}</script>"""
    return page(data["title"], body, asset("listening_test.js"))
