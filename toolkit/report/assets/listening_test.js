/* Blind listening test page. The order of categories, sets and clips is a seeded xorshift32 shuffle that
   toolkit/report/order.py reproduces; answers live in localStorage and are exported as JSON. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("test-data").textContent);
  var storageKey = "foley-listening-test:" + data.test_id;
  var MAX_SEED = 4294967295;
  var LOW = data.scale[0], HIGH = data.scale[1];
  var PLAYED_SHARE = data.played_share;
  var PLAYED_TEXT = PLAYED_SHARE >= 1 ? "Play the clip to its end"
    : "Play at least " + Math.round(100 * PLAYED_SHARE) + " % of the clip";
  var state = load();

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      if (saved && typeof saved === "object") return saved;
    } catch (err) { /* unreadable storage: start fresh */ }
    return null;
  }

  function save() {
    window.localStorage.setItem(storageKey, JSON.stringify(state));
  }

  function makeRng(seed) {
    var x = Math.imul(seed >>> 0, 0x9E3779B1) >>> 0;
    if (x === 0) x = 0x9E3779B9;
    function next() {
      x = (x ^ (x << 13)) >>> 0;
      x = (x ^ (x >>> 17)) >>> 0;
      x = (x ^ (x << 5)) >>> 0;
      return x;
    }
    for (var k = 0; k < 4; k++) next();
    return {
      shuffled: function (items) {
        var out = items.slice();
        for (var i = out.length - 1; i > 0; i--) {
          var j = next() % (i + 1);
          var tmp = out[i]; out[i] = out[j]; out[j] = tmp;
        }
        return out;
      }
    };
  }

  function presentationOrder(seed) {
    var rng = makeRng(seed);
    return rng.shuffled(data.categories).map(function (category) {
      var sets = rng.shuffled(category.sets).map(function (set) {
        return { id: set.id, clips: rng.shuffled(set.clips) };
      });
      return { name: category.name, label: category.label, sets: sets };
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* A labelled radio group on the 10-step scale; arrow keys move and select, as for any radio group. */
  function scale(name, legend, current, onChange) {
    var fieldset = el("fieldset", { "aria-describedby": "scale-help" });
    fieldset.appendChild(el("legend", {}, legend));
    var row = el("div", { "class": "scale" });
    row.appendChild(el("span", { "class": "scale-ends", "aria-hidden": "true" }, LOW + " = very poor"));
    for (var v = LOW; v <= HIGH; v++) {
      var label = el("label");
      var input = el("input", { type: "radio", name: name, value: String(v), "data-rating": name });
      if (current === v) input.checked = true;
      input.addEventListener("change", function (event) { onChange(parseInt(event.target.value, 10)); });
      label.appendChild(input);
      label.appendChild(document.createTextNode(String(v)));
      row.appendChild(label);
    }
    row.appendChild(el("span", { "class": "scale-ends", "aria-hidden": "true" }, HIGH + " = excellent"));
    fieldset.appendChild(row);
    return fieldset;
  }

  function clipState(id) {
    if (!state.clips[id]) state.clips[id] = { quality: null, fit: null, played: false };
    return state.clips[id];
  }

  function setState(id) {
    if (!state.sets[id]) state.sets[id] = { diversity: null };
    return state.sets[id];
  }

  function stopOthers(current) {
    Array.prototype.forEach.call(document.querySelectorAll("audio"), function (audio) {
      if (audio !== current && !audio.paused) audio.pause();
    });
  }

  /* Ratings stay locked (disabled) until their clip, or every clip of their set, has been played. */
  function lock(fieldset, locked, hint) {
    fieldset.disabled = locked;
    hint.hidden = !locked;
  }

  function clipItem(clipId, number, where, onPlayed) {
    var entry = clipState(clipId);
    var item = el("div", { "class": "item", role: "group", "aria-labelledby": "h-" + clipId });
    item.appendChild(el("h5", { id: "h-" + clipId }, "Clip " + number + " of " + where));
    var audio = el("audio", { preload: "auto", src: "clips/" + clipId + ".wav" });
    var button = el("button", { type: "button", "class": "play", "aria-pressed": "false",
                                "data-clip": clipId }, "Play clip " + number);
    var hint = el("p", { "class": "lock", id: "lock-" + clipId }, PLAYED_TEXT + " to rate it.");
    var quality = scale("q-" + clipId, "Audio quality of clip " + number, entry.quality,
      function (v) { entry.quality = v; save(); progress(); });
    var fit = scale("f-" + clipId, "Category fit of clip " + number, entry.fit,
      function (v) { entry.fit = v; save(); progress(); });
    function unlock() {
      lock(quality, !entry.played, hint);
      lock(fit, !entry.played, hint);
    }
    function heard() {
      if (entry.played) return;
      entry.played = true;
      save();
      unlock();
      onPlayed();
    }
    button.addEventListener("click", function () {
      if (audio.paused) { stopOthers(audio); audio.currentTime = 0; audio.play().catch(function () {}); }
      else audio.pause();
    });
    audio.addEventListener("play", function () {
      button.setAttribute("aria-pressed", "true");
      button.textContent = "Stop clip " + number;
    });
    audio.addEventListener("timeupdate", function () {
      if (audio.duration > 0 && audio.currentTime >= PLAYED_SHARE * audio.duration) heard();
    });
    function stopped() {
      button.setAttribute("aria-pressed", "false");
      button.textContent = "Play clip " + number;
    }
    audio.addEventListener("pause", stopped);
    audio.addEventListener("ended", function () { stopped(); heard(); });
    item.appendChild(button);
    item.appendChild(audio);
    item.appendChild(hint);
    quality.classList.add("quality");
    fit.classList.add("fit");
    item.appendChild(quality);
    item.appendChild(fit);
    unlock();
    return item;
  }

  function setBox(set, setName, label) {
    var where = setName + " (" + label + ")";
    var box = el("section", { "class": "set", "aria-labelledby": "set-" + set.id });
    box.appendChild(el("h4", { id: "set-" + set.id }, setName + " of " + label));
    var entry = setState(set.id);
    var hint = el("p", { "class": "lock" }, "Play every clip of " + setName + " to rate its diversity.");
    var diversity = scale("d-" + set.id, "Diversity of " + where, entry.diversity,
      function (v) { entry.diversity = v; save(); progress(); });
    function unlock() {
      lock(diversity, !set.clips.every(function (id) { return clipState(id).played; }), hint);
    }
    set.clips.forEach(function (clipId, k) { box.appendChild(clipItem(clipId, k + 1, where, unlock)); });
    box.appendChild(hint);
    box.appendChild(diversity);
    unlock();
    return box;
  }

  function render() {
    var order = presentationOrder(state.seed);
    var page = Math.min(Math.max(state.page || 0, 0), order.length - 1);
    var category = order[page];
    var items = document.getElementById("items");
    items.textContent = "";
    document.getElementById("who").textContent =
      "Listener " + state.listener + ", seed " + state.seed + ".";
    var section = el("section", { "class": "category", "aria-labelledby": "cat-title" });
    section.appendChild(el("h3", { id: "cat-title" },
      "Category " + (page + 1) + " of " + order.length + ": " + category.label));
    category.sets.forEach(function (set, si) {
      section.appendChild(setBox(set, "Set " + String.fromCharCode(65 + si), category.label));
    });
    var nav = el("p", { "class": "pager" });
    var previous = el("button", { type: "button", id: "previous" }, "Previous category");
    var next = el("button", { type: "button", id: "next" }, "Next category");
    previous.disabled = page === 0;
    next.disabled = page === order.length - 1;
    previous.addEventListener("click", function () { turn(page - 1); });
    next.addEventListener("click", function () { turn(page + 1); });
    nav.appendChild(previous);
    nav.appendChild(next);
    section.appendChild(nav);
    items.appendChild(section);
    document.getElementById("start-form").hidden = true;
    document.getElementById("intro").open = false;
    document.getElementById("test").hidden = false;
    document.getElementById("finish").hidden = false;
    state.page = page;
    save();
    progress();
  }

  function turn(page) {
    stopOthers(null);
    state.page = page;
    render();
    document.getElementById("cat-title").setAttribute("tabindex", "-1");
    document.getElementById("cat-title").focus();
    window.scrollTo(0, 0);
  }

  function counts() {
    var given = 0, total = 0;
    data.categories.forEach(function (category) {
      category.sets.forEach(function (set) {
        total += 1 + 2 * set.clips.length;
        if (setState(set.id).diversity !== null) given++;
        set.clips.forEach(function (clipId) {
          var entry = clipState(clipId);
          if (entry.quality !== null) given++;
          if (entry.fit !== null) given++;
        });
      });
    });
    return { given: given, total: total };
  }

  function progress() {
    var c = counts();
    var bar = document.getElementById("progress-bar");
    bar.max = c.total;
    bar.value = c.given;
    document.getElementById("progress").textContent = c.given === c.total
      ? "All " + c.total + " ratings given. Please export your answers."
      : c.given + " of " + c.total + " ratings given; you can export at any time and continue later.";
  }

  function answers() {
    return {
      format: data.format, test_id: data.test_id, listener: state.listener, seed: state.seed,
      started: state.started, exported: new Date().toISOString(), user_agent: navigator.userAgent,
      played_share: PLAYED_SHARE, clips: state.clips, sets: state.sets
    };
  }

  function exportAnswers() {
    var text = JSON.stringify(answers(), null, 2);
    document.getElementById("export-json").value = text;
    var link = document.getElementById("download");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = "answers-" + data.test_id + "-" + state.listener.replace(/[^A-Za-z0-9_-]/g, "_") +
      "-" + state.seed + ".json";
    link.hidden = false;
    link.click();
  }

  function start(event) {
    event.preventDefault();
    var listener = document.getElementById("listener").value.trim();
    var seedText = document.getElementById("seed").value.trim();
    var seed = Number(seedText);
    var error = document.getElementById("start-error");
    if (!listener) { error.textContent = "Please enter your listener id."; return; }
    if (!/^\d+$/.test(seedText) || seed > MAX_SEED) {
      error.textContent = "The seed must be a whole number from 0 to " + MAX_SEED + ".";
      return;
    }
    state = { listener: listener, seed: seed, started: new Date().toISOString(), clips: {}, sets: {}, page: 0 };
    render();
    var first = document.querySelector("#items button.play");
    if (first) first.focus();
  }

  document.getElementById("start-form").addEventListener("submit", start);
  document.getElementById("export").addEventListener("click", exportAnswers);
  document.getElementById("reset").addEventListener("click", function () {
    if (window.confirm("Delete all your answers in this browser and start over?")) {
      window.localStorage.removeItem(storageKey);
      window.location.reload();
    }
  });
  window.foleyListeningTest = { presentationOrder: presentationOrder, answers: answers };

  var params = new URLSearchParams(window.location.search);
  document.getElementById("seed").value = params.get("seed") ||
    String(Math.floor(Math.random() * MAX_SEED));
  if (params.get("listener")) document.getElementById("listener").value = params.get("listener");
  if (state && state.listener && typeof state.seed === "number") render();
})();
