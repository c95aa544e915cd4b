// The player: HLS where the browser plays it natively, the faststart MP4 elsewhere,
// a quality menu for HLS, and storyboard previews above a seek bar.
//
// Progressive enhancement: without this script the <video> plays the original MP4 with
// the browser's own controls. Browsers without native HLS (most desktop ones) keep that
// MP4, which has its index in front and so starts at once and seeks by byte ranges.
"use strict";

(function () {
  const HLS_TYPE = "application/vnd.apple.mpegurl";
  const root = document.querySelector("[data-player]");
  if (!root) return;
  const video = root.querySelector("video");
  let hlsStarted = false;
  let storyboardLoaded = false;

  // ----- sources and quality ----------------------------------------------------------

  function nativeHls() {
    return typeof video.canPlayType === "function" && video.canPlayType(HLS_TYPE) !== "";
  }

  function switchSource(url) {
    const at = video.currentTime;
    const playing = !video.paused;
    video.addEventListener("loadedmetadata", function restore() {
      video.removeEventListener("loadedmetadata", restore);
      if (at) video.currentTime = at;
      if (playing) video.play().catch(function () {});
    });
    video.src = url;
  }

  // With S3 storage a media request is redirected to a short-lived link, which the
  // browser keeps using for later byte ranges; after a long pause it may have expired.
  // On an error, ask for the same address again (a fresh link) and go on from there.
  // On a share link's page the media URLs carry a grant that expires after some hours;
  // there, ask the page's renew address for a fresh grant and the URLs that go with it.
  let lastRecovery = 0;
  video.addEventListener("error", function () {
    const url = video.getAttribute("src");
    if (!url || Date.now() - lastRecovery < 10000) return;
    lastRecovery = Date.now();
    if (root.dataset.renew) {
      renewGrant(url);
    } else {
      switchSource(new URL(url, location.href).href);
    }
  });

  function renewGrant(failedUrl) {
    const usingHls = root.dataset.hls && failedUrl.indexOf("/hls/") >= 0;
    const grant = new URL(failedUrl, location.href).pathname.split("/")[4] || "";
    const renew = new URL(root.dataset.renew, location.href);
    renew.searchParams.set("grant", grant);
    fetch(renew.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (answer) {
        root.dataset.mp4 = answer.urls.original;
        if (answer.urls.hls) root.dataset.hls = answer.urls.hls;
        const next = usingHls && answer.urls.hls ? answer.urls.hls : answer.urls.original;
        switchSource(new URL(next, location.href).href);
      })
      .catch(function () {});
  }

  function offerQualities(master, playlist) {
    const box = root.querySelector("[data-quality]");
    const select = root.querySelector("[data-quality-select]");
    const variants = playlist.split(/\r?\n/).filter(function (line) {
      return line && !line.startsWith("#");
    });
    select.replaceChildren(new Option("Auto", master, true, true));
    variants.reverse().forEach(function (uri) {
      select.append(new Option(uri.split("/")[0], new URL(uri, master).href));
    });
    select.addEventListener("change", function () {
      switchSource(select.value);
    });
    box.hidden = variants.length < 2;
  }

  function startHls() {
    const master = root.dataset.hls;
    if (hlsStarted || !master || !nativeHls()) return;
    hlsStarted = true;
    const url = new URL(master, location.href).href;
    switchSource(url);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (playlist) { offerQualities(url, playlist); })
      .catch(function () {});
  }

  // ----- storyboard previews ----------------------------------------------------------

  function seconds(stamp) {
    return stamp.split(":").reduce(function (total, part) {
      return total * 60 + parseFloat(part);
    }, 0);
  }

  function parseVtt(text, base) {
    const cues = [];
    text.split(/\r?\n\r?\n/).forEach(function (block) {
      const lines = block.trim().split(/\r?\n/);
      const timing = lines.findIndex(function (line) { return line.includes("-->"); });
      if (timing < 0 || !lines[timing + 1]) return;
      const [start, end] = lines[timing].split("-->").map(function (s) { return seconds(s.trim()); });
      const [file, fragment] = lines[timing + 1].trim().split("#xywh=");
      if (!fragment) return;
      const [x, y, w, h] = fragment.split(",").map(Number);
      cues.push({ start, end, url: new URL(file, base).href, x, y, w, h });
    });
    return cues;
  }

  function clock(t) {
    const whole = Math.max(0, Math.floor(t));
    const s = String(whole % 60).padStart(2, "0");
    const m = Math.floor(whole / 60) % 60;
    return whole >= 3600 ? Math.floor(whole / 3600) + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
  }

  function showPreview(cues, range, event) {
    const preview = root.querySelector("[data-scrubber-preview]");
    const image = root.querySelector("[data-scrubber-image]");
    const rect = range.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const at = fraction * (video.duration || 0);
    const cue = cues.find(function (c) { return at >= c.start && at < c.end; }) || cues[cues.length - 1];
    image.style.backgroundImage = "url(\"" + cue.url + "\")";
    image.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
    image.style.width = cue.w + "px";
    image.style.height = cue.h + "px";
    root.querySelector("[data-scrubber-time]").textContent = clock(at);
    preview.style.left = Math.min(Math.max(0, fraction * rect.width - cue.w / 2), rect.width - cue.w) + "px";
    preview.hidden = false;
  }

  function enableScrubber(cues) {
    const box = root.querySelector("[data-scrubber]");
    const range = root.querySelector("[data-scrubber-range]");
    const preview = root.querySelector("[data-scrubber-preview]");
    video.addEventListener("timeupdate", function () {
      if (video.duration) range.value = Math.round((video.currentTime / video.duration) * 1000);
    });
    range.addEventListener("input", function () {
      if (video.duration) video.currentTime = (range.value / 1000) * video.duration;
    });
    range.addEventListener("pointermove", function (event) {
      if (cues.length) showPreview(cues, range, event);
    });
    range.addEventListener("pointerleave", function () { preview.hidden = true; });
    box.hidden = false;
  }

  function loadStoryboard(url) {
    if (storyboardLoaded || !url || !window.fetch) return;
    storyboardLoaded = true;
    const absolute = new URL(url, location.href).href;
    fetch(absolute, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (text) { enableScrubber(parseVtt(text, absolute)); })
      .catch(function () { storyboardLoaded = false; });
  }

  // ----- a video that becomes playable or ready while the page is open ----------------

  document.addEventListener("vidstream:status", function (event) {
    const info = event.detail;
    if (["ready_original", "processing", "ready"].includes(info.status) && !video.getAttribute("src")) {
      video.src = info.urls.original;
    }
    if (info.urls.poster && !video.getAttribute("poster")) video.poster = info.urls.poster;
    // The ladder is offered while it is still being encoded (its playlists grow).
    if (info.urls.hls) {
      root.dataset.hls = info.urls.hls;
      if (video.paused && video.currentTime === 0) startHls();
    }
    if (info.urls.storyboard) loadStoryboard(info.urls.storyboard);
  });

  // ----- what was watched: coalesced ranges in a beacon every ~10 s and on leaving ----

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

  startHls();
  loadStoryboard(root.dataset.storyboard);
})();
