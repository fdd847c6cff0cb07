// The audition page: ask the server for takes, follow their progress, show each clip with its mel picture.
// Talks to this server only (the page's Content-Security-Policy allows nothing else).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 300;
  let model = null;

  /** "MovingMotorVehicle" -> "Moving motor vehicle", "Sneeze_Cough" -> "Sneeze cough". */
  function label(name) {
    const words = name.replace(/_/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  async function api(path, options) {
    const response = await fetch(path, options);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  function showError(message) {
    $("error").textContent = message || "";
    $("error").hidden = !message;
  }

  function setScale(value) {
    $("noise-scale").value = value;
    $("noise-scale-value").textContent = Number($("noise-scale").value).toFixed(2);
  }

  function describeTake(take) {
    return `${label(take.category)} · seed ${take.seed} · variation ${take.noise_scale.toFixed(2)} · ` +
      `${take.n} clip${take.n === 1 ? "" : "s"}`;
  }

  /** The take's section (created on first sight), updated to its state. */
  function renderTake(take) {
    let section = document.querySelector(`.take[data-take="${take.id}"]`);
    if (!section) {
      section = $("take-template").content.firstElementChild.cloneNode(true);
      section.dataset.take = take.id;
      section.querySelector("h2").textContent = describeTake(take);
      $("takes").prepend(section);
    }
    section.dataset.status = take.status;
    const state = section.querySelector(".take-state");
    state.textContent = {queued: "Waiting for the take before…", running: `Generating: ${take.done} of ${take.n} clips`,
                         failed: `Failed: ${take.error}`, done: ""}[take.status];
    state.hidden = take.status === "done";
    if (take.status === "done" && !section.querySelector(".card")) {
      const zip = section.querySelector("a.zip");
      zip.href = take.zip;
      zip.download = take.zip_file;
      zip.hidden = false;
      const clips = section.querySelector(".clips");
      for (const clip of take.clips) clips.append(renderClip(clip));
    }
  }

  function renderClip(clip) {
    const card = $("clip-template").content.firstElementChild.cloneNode(true);
    card.dataset.index = clip.index;
    card.querySelector(".clip-name").textContent = `Clip ${clip.index}`;
    const wav = card.querySelector("a.wav");
    wav.href = clip.audio;
    wav.download = clip.file;
    wav.title = `Download ${clip.file}`;
    const picture = card.querySelector("img");
    picture.src = clip.mel;
    picture.alt = `Log-mel spectrogram of clip ${clip.index}`;
    card.querySelector("audio").src = clip.audio;
    return card;
  }

  function showProgress(take) {
    const busy = take.status === "queued" || take.status === "running";
    $("generate").disabled = busy;
    $("progress").hidden = !busy;
    $("progress").max = take.n;
    $("progress").value = take.done;
    $("status").textContent = busy ? `${take.done} / ${take.n} clips` :
      take.status === "done" ? `Done: ${take.n} clip${take.n === 1 ? "" : "s"} of ${label(take.category)}` : "";
  }

  async function follow(take) {
    while (true) {
      renderTake(take);
      showProgress(take);
      if (take.status === "done" || take.status === "failed") return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      take = await api(`/api/takes/${take.id}`);
    }
  }

  async function submit(event) {
    event.preventDefault();
    showError("");
    const request = {
      category: $("category").value,
      n: Number($("n").value),
      seed: Number($("seed").value),
      noise_scale: Number($("noise-scale").value),
    };
    $("generate").disabled = true;
    try {
      await follow(await api("/api/takes", {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(request)}));
    } catch (error) {
      showError(error.message);
    } finally {
      $("generate").disabled = false;
    }
  }

  async function start() {
    try {
      model = await api("/api/model");
    } catch (error) {
      showError(`The model did not load: ${error.message}`);
      return;
    }
    const seconds = (model.clip_samples / model.sample_rate).toFixed(2);
    $("model").textContent = `${model.source} · ${model.categories.length} categories · ` +
      `${model.sample_rate} Hz · ${seconds} s clips · ${model.device}, ${model.precision}`;
    for (const name of model.categories) $("category").add(new Option(label(name), name));
    $("n").max = model.max_variations;
    $("seed").max = model.max_seed;
    $("noise-scale").max = Math.max(2, ...Object.values(model.noise_scales).map((scale) => 2 * scale));
    setScale(model.noise_scales[model.categories[0]]);
    $("category").addEventListener("change", () => setScale(model.noise_scales[$("category").value]));
    $("noise-scale").addEventListener("input", () => setScale($("noise-scale").value));
    $("random-seed").addEventListener("click", () => {
      $("seed").value = Math.floor(Math.random() * 1000000);
    });
    $("request").addEventListener("submit", submit);
    for (const take of await api("/api/takes")) {
      if (take.status === "queued" || take.status === "running") follow(take); else renderTake(take);
    }
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
