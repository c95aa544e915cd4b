// Where playback starts and where it stopped: a ?t= start (the page passes it as
// data-start), the offer to resume from a saved position (data-resume-at), saving the
// position of a signed-in viewer (data-position-url: every 10 s while playing, on pause
// and when the page is left; never a request per second), "copy link at current
// time", and the chapter list under the player.
"use strict";

(function () {
  const root = document.querySelector("[data-player]");
  if (!root) return;
  const video = root.querySelector("video");
  const SAVE_SECONDS = 10;
  const actions = root.querySelector("[data-player-actions]");
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  if (actions) actions.hidden = false;

  function clock(t) {
    const whole = Math.max(0, Math.floor(t));
    const s = String(whole % 60).padStart(2, "0");
    const m = Math.floor(whole / 60) % 60;
    return whole >= 3600 ? Math.floor(whole / 3600) + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
  }

  // Seeking before the metadata is known is lost (and a source switch resets it),
  // so the first jump waits for it.
  function seekTo(seconds, play) {
    function go() {
      video.currentTime = Math.min(seconds, isFinite(video.duration) ? video.duration : seconds);
      if (play) video.play().catch(function () {});
    }
    if (video.readyState >= 1) go();
    else video.addEventListener("loadedmetadata", go, { once: true });
  }

  // ----- start: ?t= wins over resuming ------------------------------------------------------

  const start = parseFloat(root.dataset.start || "");
  const resumeAt = parseFloat(root.dataset.resumeAt || "");
  if (start > 0) {
    seekTo(start, false);
  } else if (resumeAt > 0) {
    offerResume(resumeAt);
  }

  function offerResume(at) {
    const box = root.querySelector("[data-resume]");
    if (!box) return;
    const go = box.querySelector("[data-resume-go]");
    go.textContent = "Resume from " + clock(at);
    box.hidden = false;
    go.addEventListener("click", function () { box.hidden = true; seekTo(at, true); });
    box.querySelector("[data-resume-dismiss]").addEventListener("click", function () { box.hidden = true; });
    video.addEventListener("play", function () { if (video.currentTime > at) box.hidden = true; });
  }

  // ----- saving the position -----------------------------------------------------------------

  let lastSaved = -1;

  function save(leaving) {
    const url = root.dataset.positionUrl;
    if (!url || !(video.duration > 0)) return;
    const seconds = Math.round(video.currentTime * 10) / 10;
    if (Math.abs(seconds - lastSaved) < 1) return;
    lastSaved = seconds;
    fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      keepalive: leaving,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfMeta ? csrfMeta.content : "" },
      body: JSON.stringify({ seconds: seconds }),
    }).catch(function () {});
  }

  setInterval(function () { if (!video.paused) save(false); }, SAVE_SECONDS * 1000);
  video.addEventListener("pause", function () { save(false); });
  video.addEventListener("ended", function () { save(false); });
  window.addEventListener("pagehide", function () { save(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save(true);
  });

  // ----- copy link at current time ----------------------------------------------------------

  const copy = root.querySelector("[data-copy-time]");
  if (copy) {
    copy.addEventListener("click", function () {
      const link = new URL(location.href);
      link.hash = "";
      link.searchParams.set("t", String(Math.floor(video.currentTime)));
      const done = root.querySelector("[data-copy-done]");
      const field = root.querySelector("[data-copy-field]");
      function showField() {
        field.value = link.href;
        field.hidden = false;
        field.focus();
        field.select();
        done.textContent = "Copy this link:";
      }
      if (!navigator.clipboard || !navigator.clipboard.writeText) return showField();
      navigator.clipboard.writeText(link.href).then(function () {
        field.hidden = true;
        done.textContent = "Link at " + clock(video.currentTime) + " copied.";
      }, showField);
    });
  }

  // ----- chapters -----------------------------------------------------------------------------

  root.querySelectorAll("[data-seek]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      seekTo(parseFloat(link.dataset.seek), true);
    });
  });
})();
