// Keeps processing progress bars current without reloading the page.
//
// Each [data-progress] element names its video's API URL. It is polled every couple of
// seconds; the bar, its label and the status badge follow the video's step and progress.
// Every answer is also announced as a "vidstream:status" event (detail: the video), so the
// player can switch to the streaming versions as soon as they exist. Polling stops once
// the video is ready or has failed.
"use strict";

(function () {
  const POLL_MS = 2000;
  const DONE_STATES = ["ready", "failed"];

  function tileOf(box) {
    return box.closest(".tile, .player-info") || box.parentElement;
  }

  function showFinished(box, video) {
    const tile = tileOf(box);
    const badge = tile.querySelector("[data-progress-status]");
    if (badge) {
      // The same badge the page shows for a finished video after a reload.
      badge.className = video.status === "ready" ? "badge ready" : "badge failed";
      badge.textContent = video.status === "ready" ? "Ready" : "failed";
      badge.removeAttribute("data-progress-status");
    }
    if (video.status === "ready") {
      const thumb = tile.querySelector(".thumb");
      if (thumb && video.urls.thumbnail && !thumb.querySelector("img")) {
        const img = document.createElement("img");
        img.src = video.urls.thumbnail;
        img.alt = "";
        thumb.prepend(img);
      }
    } else {
      const reason = document.createElement("p");
      reason.className = "reason";
      reason.textContent = video.status_reason || "Processing failed.";
      box.after(reason);
    }
    box.remove();
  }

  function show(box, video) {
    const bar = box.querySelector("progress");
    const label = box.querySelector("[data-progress-label]");
    const badge = tileOf(box).querySelector("[data-progress-status]");
    bar.value = video.processing.progress;
    bar.textContent = Math.round(video.processing.progress * 100) + "%";
    label.textContent = video.processing.label;
    if (badge) badge.textContent = video.status.replace("_", " ");
    box.dispatchEvent(new CustomEvent("vidstream:status", { bubbles: true, detail: video }));
    if (DONE_STATES.includes(video.status)) showFinished(box, video);
  }

  function poll(box) {
    fetch(box.dataset.api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (body) {
        show(box, body.video);
        if (!DONE_STATES.includes(body.video.status)) setTimeout(poll, POLL_MS, box);
      })
      .catch(function () {
        setTimeout(poll, POLL_MS * 5, box);
      });
  }

  if (!window.fetch) return;
  document.querySelectorAll("[data-progress]").forEach(function (box) {
    setTimeout(poll, POLL_MS, box);
  });
})();
