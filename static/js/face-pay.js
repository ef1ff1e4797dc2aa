// The face check at checkout: camera -> JPEG frames over a websocket -> the verdict.
// The server decides; this page only streams, shows what the server says, and
// re-reads the truth over HTTP when the socket is gone. Its own words go through
// gettext() (the /jsi18n/ catalogue, loaded before it); the server's come translated.
(function () {
  "use strict";
  const status = document.querySelector("[data-testid=face-status]");
  if (!status) return;
  // Without the catalogue (/jsi18n/ failed to load) the page still works, in English.
  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate
    || ((format, values) => format.replace(/%\((\w+)\)s/g, (_, name) => values[name]));
  const video = document.getElementById("face-video");
  const countdown = document.getElementById("face-countdown");
  const retry = document.getElementById("face-retry");
  const cueBox = document.getElementById("face-cue");
  const camera = video.parentElement;
  // 8 frames a second, and 15 while a cue is answered: the server judges every one
  // of those, so that a move is seen as it happens (a swapped photo jumps).
  const FRAMES_PER_SECOND = 8;
  const CUE_FRAMES_PER_SECOND = 15;
  const MAX_WIDTH = 640;
  const JPEG_QUALITY = 0.8;
  const MAX_BUFFERED = 512 * 1024;
  const POLL_MS = 2500;
  const RECONNECT_MAX_MS = 3000;
  // Asked every 2 s after the deadline: 30 s for a server to come back with the verdict.
  const AFTER_DEADLINE_TRIES = 15;
  // What the status (two lines while a cue is shown) and "Move N of 3" take below
  // the camera, in CSS pixels.
  const ROOM_BELOW_CAMERA = 140;
  const deadline = Date.parse(status.dataset.deadline);
  const FINAL = ["approved", "declined", "expired", "locked", "error"];
  let socket = null;
  let stream = null;
  let sender = null;
  let reconnects = 0;
  let poller = null;
  const finalOnArrival = FINAL.indexOf(status.dataset.state) >= 0;
  let finished = false;
  const canvas = document.createElement("canvas");

  function show(state, message, cue) {
    status.dataset.state = state;
    status.dataset.cue = state === "challenge" && cue ? cue : "neutral";
    // The same words again (a reminder) are not read out again by a screen reader.
    if (message && status.textContent !== message) status.textContent = message;
    if (cueBox) {
      const active = status.dataset.cue !== "neutral";
      cueBox.hidden = !active;
      cueBox.dataset.cue = status.dataset.cue;
      // Its sign is the one the CSS shows for data-cue. The video is shown mirrored:
      // turning to your own left moves your face to the left of the screen, as the
      // arrow points.
      if (active) cueBox.querySelector(".cue-text").textContent = message || "";
    }
  }

  // The server's step counter ("move 2 of 3"), when it sends one.
  function showStep(data) {
    const stepBox = document.getElementById("face-step");
    if (!stepBox || !data.steps) return;
    stepBox.hidden = false;
    stepBox.textContent = interpolate(
      gettext("Move %(step)s of %(steps)s"), { step: data.step, steps: data.steps }, true);
  }

  function finish(state, message) {
    if (finished) return;
    finished = true;
    show(state, message);
    stopStreaming();
    countdown.hidden = true;
    if (socket && socket.readyState <= 1) socket.close(1000);
    if (state === "approved") {
      window.setTimeout(() => window.location.assign(status.dataset.doneUrl), 1200);
    } else if (retry && state !== "locked") {
      retry.hidden = false;
    }
  }

  function stopStreaming() {
    if (sender) window.clearTimeout(sender);
    sender = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    if (poller) window.clearInterval(poller);
    poller = null;
  }

  // The camera's box takes the shape of the picture that comes: a phone's front
  // camera held upright gives a portrait one, a laptop's a landscape one. The CSS
  // fits the box in the screen's width and height at that ratio, so nothing of the
  // face is cropped.
  function fitCamera() {
    if (!video.videoWidth || !video.videoHeight) return;
    const ratio = video.videoWidth / video.videoHeight;
    camera.style.setProperty("--camera-ratio", ratio.toFixed(4));
    camera.dataset.orientation = ratio < 1 ? "portrait" : "landscape";
    bringCameraIntoView();
  }

  // On a phone the camera sits below the instructions, at the fold: scroll it to the
  // top of the screen, so that it, the cue over it and the status below it are seen.
  function bringCameraIntoView() {
    const box = camera.getBoundingClientRect();
    if (box.top < 0 || box.bottom + ROOM_BELOW_CAMERA > window.innerHeight) {
      camera.scrollIntoView({ block: "start" });
    }
  }

  // One frame, then the next one at the rate the state asks for, on a steady beat:
  // a timer that fires late (a busy phone) does not push every later frame back,
  // which would stretch a move over fewer frames than the server expects.
  let due = 0;
  function streamFrames() {
    sendFrame();
    const rate = status.dataset.state === "challenge" ? CUE_FRAMES_PER_SECOND : FRAMES_PER_SECOND;
    const interval = 1000 / rate;
    const now = performance.now();
    due = now - due < interval ? due + interval : now + interval; // behind: a new beat
    sender = window.setTimeout(streamFrames, Math.max(0, due - now));
  }

  function sendFrame() {
    if (!socket || socket.readyState !== 1 || !video.videoWidth) return;
    if (socket.bufferedAmount > MAX_BUFFERED) return; // the network is behind: skip
    const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob((blob) => {
      if (blob && socket && socket.readyState === 1 && !finished) socket.send(blob);
    }, "image/jpeg", JPEG_QUALITY);
  }

  function onMessage(event) {
    let data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (data.type === "error") {
      status.textContent = data.message;
      return;
    }
    if (data.final) {
      finish(data.state, data.message);
    } else if (!finished) {
      show(data.state, data.message, data.cue);
      showStep(data);
    }
  }

  // Close codes 4400-4499 mean the server refused this page (logged out, not the
  // owner, bad frames): reconnecting would be refused again.
  function refused(code) {
    return code >= 4400 && code < 4500;
  }
  // A web node going away for a restart (ops/web.py): another one takes the socket.
  const NODE_RESTARTING = 4503;

  function connect() {
    if (finished) return; // a back-off timer may fire after the verdict
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + status.dataset.wsUrl);
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", onMessage);
    socket.addEventListener("open", () => {
      reconnects = 0;
      if (!sender) streamFrames();
    });
    socket.addEventListener("close", (event) => {
      if (finished) return;
      show("connecting", gettext("Reconnecting…"));
      // The verdict may have been stored while the socket was down: ask first.
      readTruth().then((final) => {
        if (final) return;
        if (event.code === 4401) {
          finish("error", gettext("You are signed out: sign in again to pay."));
        } else if (refused(event.code)) {
          lost();
        } else if (Date.now() >= deadline) {
          afterDeadline();
        } else {
          // The server may be restarting: back off, and keep trying until the deadline.
          const delay = Math.min(RECONNECT_MAX_MS, 500 * 2 ** reconnects);
          reconnects += 1;
          window.setTimeout(connect, event.code === NODE_RESTARTING ? 0 : delay);
        }
      });
    });
  }

  // The database is the truth: read it after a lost socket, at the deadline, and every
  // few seconds while streaming, in case a pushed verdict never arrived. Resolves to
  // true once the page shows a final state.
  function readTruth() {
    return fetch(status.dataset.statusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (data && data.final) finish(data.state, data.message);
        return finished;
      })
      .catch(() => false);
  }

  function lost() {
    finish("error", gettext("Lost contact with the server. Try again, or confirm with your password."));
  }

  // Past the deadline the verdict is stored, or soon will be (the server expires the
  // attempt): ask for it every 2 s for a while, also while no server answers (a
  // restart, every web node down), then give up. Once, whoever asks first.
  let askingAfterDeadline = false;
  function afterDeadline() {
    if (askingAfterDeadline) return;
    askingAfterDeadline = true;
    const ask = (tries) => {
      readTruth().then((final) => {
        if (final) return;
        if (tries > 0) window.setTimeout(() => ask(tries - 1), 2000);
        else lost();
      });
    };
    ask(AFTER_DEADLINE_TRIES);
  }

  function tick() {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    // Translators: the seconds left for the face check, over the camera.
    countdown.textContent = interpolate(gettext("%(seconds)s s"), { seconds: left }, true);
    if (left === 0 && !finished) {
      window.clearInterval(poller);
      window.setTimeout(afterDeadline, 1500);
      return;
    }
    if (!finished) window.setTimeout(tick, 250);
  }

  if (finalOnArrival) {
    finish(status.dataset.state, status.textContent);
    return;
  }
  tick();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    finish("error", gettext("This browser cannot use a camera here: confirm with your password."));
    return;
  }
  navigator.mediaDevices
    .getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false })
    .then((media) => {
      if (finished) {
        // The camera was allowed after the check had ended (the deadline passed).
        media.getTracks().forEach((track) => track.stop());
        return;
      }
      stream = media;
      video.addEventListener("loadedmetadata", fitCamera);
      video.addEventListener("resize", fitCamera); // the phone was turned
      video.srcObject = media;
      bringCameraIntoView();
      show("connecting", gettext("Connecting…"));
      connect();
      poller = window.setInterval(readTruth, POLL_MS);
    })
    .catch((error) => {
      const name = error && error.name;
      if (name === "NotAllowedError" || name === "SecurityError") {
        finish("error", gettext("The camera is blocked. Allow it in the address bar and try again, or confirm with your password."));
      } else if (name === "NotFoundError" || name === "OverconstrainedError") {
        finish("error", gettext("No camera was found: confirm with your password."));
      } else {
        finish("error", gettext("The camera could not start: confirm with your password."));
      }
    });
})();
