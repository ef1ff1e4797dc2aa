// Face enrolment with the webcam: each frame is checked by the server (nothing is
// kept there); frames that pass stay in this page until enough are taken, then they
// are sent together and the server keeps only their encrypted encodings. Its own
// words go through gettext() (the /jsi18n/ catalogue, loaded before it).
(function () {
  "use strict";
  const root = document.getElementById("enrol-webcam");
  if (!root) return;
  // Without the catalogue (/jsi18n/ failed to load) the page still works, in English.
  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate
    || ((format, values) => format.replace(/%\((\w+)\)s/g, (_, name) => values[name]));
  const video = document.getElementById("enrol-video");
  const statusEl = root.querySelector("[data-testid=enrol-status]");
  const countEl = document.getElementById("enrol-count");
  const retry = document.getElementById("enrol-retry");
  const wanted = parseInt(root.dataset.framesWanted, 10) || 4;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const CHECK_EVERY_MS = 600;
  const MAX_WIDTH = 640;
  let frames = [];
  let timer = null;
  let busy = false;

  function say(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  // The camera's box takes the picture's shape (portrait on an upright phone); the
  // CSS fits it in the screen (face-pay.js does the same).
  function fitCamera() {
    if (!video.videoWidth || !video.videoHeight) return;
    const ratio = video.videoWidth / video.videoHeight;
    video.parentElement.style.setProperty("--camera-ratio", ratio.toFixed(4));
    video.parentElement.dataset.orientation = ratio < 1 ? "portrait" : "landscape";
  }

  function noCamera(state, text) {
    root.dataset.camera = "off";
    say(state, text);
  }

  function grab() {
    const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  }

  async function post(url, body, headers) {
    const response = await fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: Object.assign({ "X-CSRFToken": csrf, Accept: "application/json" }, headers),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { status: response.status, data: data };
  }

  async function tick() {
    if (busy || !video.videoWidth) return;
    busy = true;
    try {
      const blob = await grab();
      const { status, data } = await post(root.dataset.checkUrl, blob, { "Content-Type": "image/jpeg" });
      if (status === 200 && data.ok) {
        frames.push(blob);
        countEl.textContent = frames.length;
        if (frames.length >= wanted) {
          await send();
          return;
        }
        say("looking", gettext("Got it. Hold still, a few more…"));
      } else {
        say("looking", data.message || gettext("Checking… keep your face in the frame."));
      }
    } catch (e) {
      say("error", gettext("Lost contact with the server. Check your connection and try again."));
      stop();
      retry.hidden = false;
    } finally {
      busy = false;
    }
  }

  async function send() {
    stop();
    say("sending", gettext("Computing your face templates…"));
    const form = new FormData();
    frames.forEach((blob, i) => form.append("frames", blob, "frame" + i + ".jpg"));
    try {
      const { data } = await post(root.dataset.enrolUrl, form, {});
      if (data.ok) {
        say("done", gettext("Face payment is set up."));
        window.location.assign(data.redirect);
        return;
      }
      // Translators: %(problem)s is the server's sentence saying what went wrong.
      say("error", interpolate(gettext("%(problem)s Try again."),
        { problem: data.message || gettext("That did not work.") }, true));
    } catch (e) {
      say("error", gettext("Lost contact with the server. Try again."));
    }
    retry.hidden = false;
  }

  function start() {
    frames = [];
    countEl.textContent = "0";
    retry.hidden = true;
    say("looking", gettext("Look at the camera…"));
    timer = window.setInterval(tick, CHECK_EVERY_MS);
  }

  function stop() {
    if (timer) window.clearInterval(timer);
    timer = null;
  }

  retry.addEventListener("click", start);

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    noCamera("no-camera", gettext("This browser cannot use a camera here. Upload a photo instead."));
    return;
  }
  navigator.mediaDevices
    .getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false })
    .then((stream) => {
      video.addEventListener("loadedmetadata", fitCamera);
      video.addEventListener("resize", fitCamera); // the phone was turned
      video.srcObject = stream;
      video.addEventListener("loadedmetadata", start, { once: true });
    })
    .catch((error) => {
      if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) {
        noCamera("camera-blocked", gettext("The camera is blocked. Allow it in your browser's address bar, or upload a photo instead."));
      } else if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) {
        noCamera("no-camera", gettext("No camera was found. Upload a photo instead."));
      } else {
        noCamera("error", gettext("The camera could not start. Upload a photo instead."));
      }
    });
})();
