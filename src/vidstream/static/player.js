// The player's sources: HLS where the browser plays it natively, hls.js over Media
// Source Extensions elsewhere, the faststart MP4 where neither works; the quality menu
// (Auto plus each rung); recovery when a media link or a share link's grant expires.
//
// The controls are media-chrome's (static/vendor/media-chrome, styled under the
// Content-Security-Policy by static/player-styles.js). Progressive enhancement:
// without scripts the <video controls> plays the original MP4.
"use strict";

(function () {
  const HLS_TYPE = "application/vnd.apple.mpegurl";
  const root = document.querySelector("[data-player]");
  if (!root) return;
  const video = root.querySelector("video");
  const menu = root.querySelector("[data-quality-menu]");
  const menuButton = root.querySelector("[data-quality-button]");
  let hls = null;
  let hlsStarted = false;

  function absolute(url) { return new URL(url, location.href).href; }

  // Captions sit above the control bars: a cue placed by its file keeps its line, one
  // left to the browser ("auto", the very bottom) moves up three lines.
  const LIFTED_LINE = -4;
  function liftCues(track) {
    Array.prototype.forEach.call(track.cues || [], function (cue) {
      if (cue.line === "auto") cue.line = LIFTED_LINE;
    });
  }
  if (video.textTracks) {
    video.textTracks.addEventListener("change", function () {
      Array.prototype.forEach.call(video.textTracks, function (track) {
        if (track.kind === "subtitles" || track.kind === "captions") liftCues(track);
      });
    });
    root.querySelectorAll("track[kind=subtitles], track[kind=captions]").forEach(function (el) {
      el.addEventListener("load", function () { liftCues(el.track); });
    });
  }

  function nativeHls() {
    return typeof video.canPlayType === "function" && video.canPlayType(HLS_TYPE) !== "";
  }

  function mseHls() {
    return typeof window.Hls === "function" && window.Hls.isSupported();
  }

  // Once media-chrome is there, its controls replace the browser's. The preview's
  // picture repeats the time shown beside it: it is decoration (alt="").
  if (window.customElements) {
    customElements.whenDefined("media-controller").then(function () {
      video.removeAttribute("controls");
    });
    customElements.whenDefined("media-preview-thumbnail").then(function () {
      root.querySelectorAll("media-preview-thumbnail").forEach(function (preview) {
        const image = preview.shadowRoot && preview.shadowRoot.querySelector("img");
        if (image) image.alt = "";
      });
    });
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

  // ----- the quality menu ---------------------------------------------------------------

  function offerQualities(choices, onChoose) {
    if (!menu || !menuButton) return;
    menu.replaceChildren();
    choices.forEach(function (choice, index) {
      const item = document.createElement("media-chrome-menu-item");
      item.setAttribute("type", "radio");
      item.setAttribute("value", choice.value);
      item.textContent = choice.label;
      if (index === 0) item.setAttribute("checked", "");
      menu.append(item);
    });
    menu.onchange = function () {
      const chosen = choices.find(function (c) { return c.value === menu.value; });
      if (!chosen) return;
      root.querySelector("[data-quality-label]").textContent = chosen.label;
      onChoose(chosen.value);
    };
    menuButton.hidden = choices.length < 3; // Auto and at least two rungs
  }

  function nativeQualities(master) {
    fetch(master, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (playlist) {
        const variants = playlist.split(/\r?\n/).filter(function (line) {
          return line && !line.startsWith("#");
        });
        const choices = [{ label: "Auto", value: master }].concat(variants.reverse().map(function (uri) {
          return { label: uri.split("/")[0], value: new URL(uri, master).href };
        }));
        offerQualities(choices, switchSource);
      })
      .catch(function () {});
  }

  function hlsQualities(levels) {
    const rungs = levels.map(function (level, index) { return { level: level, index: index }; })
      .sort(function (a, b) { return b.level.height - a.level.height; });
    const choices = [{ label: "Auto", value: "-1" }].concat(rungs.map(function (rung) {
      return { label: rung.level.height + "p", value: String(rung.index) };
    }));
    offerQualities(choices, function (value) { if (hls) hls.currentLevel = Number(value); });
  }

  // ----- HLS -------------------------------------------------------------------------------

  function attachHls(url) {
    const at = video.currentTime;
    if (hls) hls.destroy();
    // No worker: the policy allows scripts from this origin only, not blob: workers.
    hls = new window.Hls({ enableWorker: false, startPosition: at > 0 ? at : -1 });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function (_, data) { hlsQualities(data.levels); });
    hls.on(window.Hls.Events.ERROR, function (_, data) {
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else recover(url);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  function startHls() {
    const master = root.dataset.hls;
    if (hlsStarted || !master) return;
    const url = absolute(master);
    if (nativeHls()) {
      hlsStarted = true;
      switchSource(url);
      nativeQualities(url);
    } else if (mseHls()) {
      hlsStarted = true;
      attachHls(url);
    }
  }

  // ----- expired links -----------------------------------------------------------------

  // With S3 storage a media request is redirected to a short-lived link, which the
  // browser keeps using for later byte ranges; after a long pause it may have expired.
  // On an error, ask for the same address again (a fresh link) and go on from there.
  // On a share link's page the media URLs carry a grant that expires after some hours;
  // there, ask the page's renew address for a fresh grant and the URLs that go with it.
  let lastRecovery = 0;

  function recover(failedUrl) {
    if (!failedUrl || Date.now() - lastRecovery < 10000) return;
    lastRecovery = Date.now();
    if (root.dataset.renew) renewGrant(failedUrl);
    else restart(absolute(failedUrl));
  }

  function restart(url) {
    if (hls) attachHls(url);
    else switchSource(url);
  }

  video.addEventListener("error", function () {
    if (!hls) recover(video.getAttribute("src"));
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
        restart(absolute(next));
      })
      .catch(function () {});
  }

  // ----- a video that becomes playable or ready while the page is open ----------------

  document.addEventListener("vidstream:status", function (event) {
    const info = event.detail;
    if (["ready_original", "processing", "ready"].includes(info.status) && !video.getAttribute("src") && !hls) {
      video.src = info.urls.original;
    }
    if (info.urls.poster && !video.getAttribute("poster")) video.poster = info.urls.poster;
    // The ladder is offered while it is still being encoded (its playlists grow).
    if (info.urls.hls) {
      root.dataset.hls = info.urls.hls;
      if (video.paused && video.currentTime === 0) startHls();
    }
    if (info.urls.storyboard && !video.querySelector('track[label="thumbnails"]')) {
      const track = document.createElement("track");
      track.kind = "metadata";
      track.label = "thumbnails";
      track.src = info.urls.storyboard;
      track.default = true;
      video.append(track);
    }
  });

  startHls();
})();
