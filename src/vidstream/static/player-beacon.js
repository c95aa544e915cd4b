// The watch beacon: which ranges of the video were actually played, for the owner's
// figures (services/stream/beacon.py, docs/analytics.md).
"use strict";

(function () {
  const root = document.querySelector("[data-player]");
  if (!root) return;
  const video = root.querySelector("video");

  // Ranges of the video actually played, in seconds: a range grows while playback
  // advances smoothly and ends at a pause, a seek or a jump, so a seek never counts
  // the part skipped. Sent with navigator.sendBeacon (it survives the page closing)
  // together with the page's signed beacon token; the server merges what it gets.
  const BEACON_SECONDS = 10;
  const pending = [];
  let open = null;

  function closeRange() {
    if (open && open[1] - open[0] > 0.05) pending.push(open);
    open = null;
  }

  function track() {
    const t = video.currentTime;
    if (video.paused || video.seeking) return;
    if (open && t >= open[1] && t - open[1] < 1.5) {
      open[1] = t;
    } else {
      closeRange();
      open = [t, t];
    }
  }

  function flush() {
    const url = root.dataset.beaconUrl;
    const token = root.dataset.beaconToken;
    if (open) {
      const at = open[1];
      closeRange();
      if (!video.paused) open = [at, at];
    }
    if (!url || !token || !pending.length || !navigator.sendBeacon) return;
    const ranges = pending.splice(0, 32).map(function (r) {
      return [Math.round(r[0] * 100) / 100, Math.round(r[1] * 100) / 100];
    });
    const body = JSON.stringify({ token: token, ranges: ranges });
    navigator.sendBeacon(new URL(url, location.href).href, new Blob([body], { type: "text/plain" }));
  }

  video.addEventListener("timeupdate", track);
  video.addEventListener("playing", track);
  video.addEventListener("seeking", closeRange);
  video.addEventListener("pause", function () { track(); closeRange(); });
  video.addEventListener("ended", function () { track(); closeRange(); flush(); });
  setInterval(flush, BEACON_SECONDS * 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { track(); flush(); }
  });
  window.addEventListener("pagehide", function () { track(); flush(); });
})();
