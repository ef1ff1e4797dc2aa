// A camera for browser tests and benchmarks that reacts to the face page like a
// person would: it replaces navigator.mediaDevices.getUserMedia with a <canvas>
// stream showing frames rendered by faceauth/simulation.py (a still photo animated
// by a landmark-driven warp), and watches the page's cue
// ([data-testid=face-status] data-cue).
//
// Modes:
// - "genuine": after a human delay, move smoothly to the cue's pose, hold it while
//   the cue is shown, come back smoothly when it is gone;
// - "swap": the same timing, but the posed photo replaces the neutral one at once
//   (a photo swap);
// - "still": never moves (a photo held up);
// - "blind": plays `script` ([[action, start_s, hold_s], ...] from the moment the
//   camera starts, looping every `loop_s` if set), blind to the page.
//
// Every frame gets a little noise, so no two frames are the same bytes.
// window.__camera.events records what the camera saw and did, for the test: `at` in
// the page's seconds, `wall` in epoch seconds (to set against the server's times).
(() => {
  "use strict";
  const CONFIG = __CAMERA_CONFIG__;
  const WIDTH = CONFIG.width;
  const HEIGHT = CONFIG.height;
  const log = [];
  window.__camera = { events: log, mode: CONFIG.mode };

  const random = (() => {
    // A seeded generator (mulberry32): a test's timings can be repeated.
    let seed = CONFIG.seed >>> 0;
    return () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  })();
  const between = ([low, high]) => low + (high - low) * random();
  const now = () => performance.now() / 1000;
  const wall = () => Date.now() / 1000;

  function load(url) {
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = reject;
      image.src = url;
    });
  }
  const images = {};
  const loaded = Promise.all(
    Object.entries(CONFIG.frames).map(([action, urls]) =>
      Promise.all(urls.map(load)).then((list) => { images[action] = list; })
    )
  );

  // The current move: from `from` to `to` (degrees 0..1) of `action`.
  let move = { action: "neutral", from: 0, to: 0, start: 0, duration: 0 };
  let startedAt = null;

  function degreeOf(m, at) {
    if (m.duration <= 0 || at >= m.start + m.duration) return at >= m.start ? m.to : m.from;
    if (at <= m.start) return m.from;
    const share = (at - m.start) / m.duration;
    const eased = share * share * (3 - 2 * share);
    return m.from + (m.to - m.from) * eased;
  }

  function blindPose(at) {
    let t = at - startedAt;
    if (CONFIG.loop_s) t = t % CONFIG.loop_s;
    for (const [action, start, hold] of CONFIG.script) {
      const up = 0.3;
      const down = 0.3;
      if (t >= start && t < start + up + hold + down) {
        if (t < start + up + hold) {
          return [action, degreeOf({ from: 0, to: 1, start: start, duration: up }, t)];
        }
        return [action, degreeOf({ from: 1, to: 0, start: start + up + hold, duration: down }, t)];
      }
    }
    return ["neutral", 0];
  }

  function frameOf(action, degree) {
    if (action === "neutral" || degree <= 0.001 || !images[action]) {
      const neutral = images.neutral;
      return neutral[Math.floor(random() * neutral.length)];
    }
    const levels = images[action];
    const index = Math.min(levels.length - 1, Math.max(0, Math.round(degree * levels.length) - 1));
    return levels[index];
  }

  const canvas = document.createElement("canvas");
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  const context = canvas.getContext("2d");

  function draw() {
    const at = now();
    let action = move.action;
    let degree = degreeOf(move, at);
    if (CONFIG.mode === "blind" && startedAt !== null) [action, degree] = blindPose(at);
    if (CONFIG.mode === "still") [action, degree] = ["neutral", 0];
    context.drawImage(frameOf(action, degree), 0, 0, WIDTH, HEIGHT);
    // A little sensor noise: a few hundred pixels a shade lighter or darker.
    for (let i = 0; i < 300; i += 1) {
      const shade = Math.floor(random() * 255);
      context.fillStyle = `rgba(${shade},${shade},${shade},0.25)`;
      context.fillRect(Math.floor(random() * WIDTH), Math.floor(random() * HEIGHT), 1, 1);
    }
  }

  // React to the page's cue like a person: a reaction time, then the move.
  let shown = "neutral";
  function onCue(cue) {
    if (cue === shown) return;
    shown = cue;
    const seenAt = now();
    log.push({ event: "cue", cue: cue, at: seenAt, wall: wall() });
    if (CONFIG.mode !== "genuine" && CONFIG.mode !== "swap") return;
    const instant = CONFIG.mode === "swap";
    const delay = between(cue === "neutral" ? CONFIG.back_reaction_s : CONFIG.reaction_s);
    window.setTimeout(() => {
      if (shown !== cue) return; // the page moved on meanwhile
      const at = now();
      const current = degreeOf(move, at);
      if (cue === "neutral") {
        move = { action: move.action, from: current, to: 0, start: at, duration: instant ? 0 : between(CONFIG.back_s) };
      } else {
        const from = move.action === cue ? current : 0;
        move = { action: cue, from: from, to: 1, start: at, duration: instant ? 0 : between(CONFIG.move_s) };
      }
      log.push({ event: "move", cue: cue, at: at, after_s: at - seenAt, wall: wall() });
    }, delay * 1000);
  }

  function watch() {
    const status = document.querySelector("[data-testid=face-status]");
    if (!status) return;
    const read = () => onCue(status.dataset.state === "challenge" ? status.dataset.cue || "neutral" : "neutral");
    new MutationObserver(read).observe(status, { attributes: true, attributeFilter: ["data-cue", "data-state"] });
    read();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }

  const devices = navigator.mediaDevices || {};
  if (!navigator.mediaDevices) {
    Object.defineProperty(navigator, "mediaDevices", { value: devices, configurable: true });
  }
  devices.getUserMedia = async () => {
    await loaded;
    draw();
    startedAt = now();
    window.setInterval(draw, 1000 / 30);
    log.push({ event: "camera", at: startedAt });
    return canvas.captureStream(30);
  };
})();
