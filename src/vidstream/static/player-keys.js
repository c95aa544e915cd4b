// Keyboard shortcuts of the player, while the focus is on the page or in the player:
// space or k play and pause, j and l go back and on 10 s, the left and right arrows
// 5 s, up and down change the volume, f toggles full screen, m mutes, c switches
// captions on and off, < and > slow down and speed up. media-chrome's own hotkeys are
// off (nohotkeys), so each key has one meaning here.
"use strict";

(function () {
  const root = document.querySelector("[data-player]");
  if (!root) return;
  const video = root.querySelector("video");
  const RATES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  const TYPING = "input, textarea, select, [contenteditable]";
  // Where space and the arrows already mean something, they are left alone.
  const OWN_KEYS = "button, a, media-chrome-button, media-chrome-menu, media-chrome-menu-item, media-chrome-range, [role=button], [role^=menuitem], [role=slider]";

  function seekBy(seconds) {
    const end = isFinite(video.duration) ? video.duration : Infinity;
    video.currentTime = Math.min(end, Math.max(0, video.currentTime + seconds));
  }

  function nudgeVolume(step) {
    video.muted = false;
    video.volume = Math.round(Math.min(1, Math.max(0, video.volume + step)) * 100) / 100;
  }

  function stepRate(direction) {
    const now = video.playbackRate;
    const next = direction > 0
      ? RATES.find(function (r) { return r > now + 0.001; })
      : RATES.slice().reverse().find(function (r) { return r < now - 0.001; });
    if (next) video.playbackRate = next;
  }

  function toggleCaptions() {
    const tracks = Array.from(video.textTracks).filter(function (t) {
      return t.kind === "subtitles" || t.kind === "captions";
    });
    if (!tracks.length) return;
    const showing = tracks.some(function (t) { return t.mode === "showing"; });
    tracks.forEach(function (t, i) { t.mode = !showing && i === 0 ? "showing" : "disabled"; });
  }

  function toggleFullscreen() {
    const button = root.querySelector("media-fullscreen-button");
    if (button) button.click();
  }

  function togglePlay() {
    if (video.paused) video.play().catch(function () {});
    else video.pause();
  }

  const ACTIONS = {
    " ": togglePlay,
    k: togglePlay,
    j: function () { seekBy(-10); },
    l: function () { seekBy(10); },
    ArrowLeft: function () { seekBy(-5); },
    ArrowRight: function () { seekBy(5); },
    ArrowUp: function () { nudgeVolume(0.1); },
    ArrowDown: function () { nudgeVolume(-0.1); },
    f: toggleFullscreen,
    m: function () { video.muted = !video.muted; },
    c: toggleCaptions,
    "<": function () { stepRate(-1); },
    ">": function () { stepRate(1); },
  };

  // Space and the arrows mean something on buttons, menus and sliders; letters do not.
  const CONTROL_KEYS = [" ", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"];

  function ours(event) {
    const path = event.composedPath();
    const target = path[0];
    if (!(target instanceof Element)) return true;
    if (target.closest(TYPING)) return false;
    const inPlayer = path.indexOf(root) >= 0;
    if (!inPlayer && target !== document.body && target !== document.documentElement) return false;
    if (CONTROL_KEYS.indexOf(event.key) < 0) return true;
    return !path.some(function (node) { return node instanceof Element && node.matches(OWN_KEYS); });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.length === 1 && event.key !== " " ? event.key.toLowerCase() : event.key;
    const action = ACTIONS[event.key] || ACTIONS[key];
    if (!action || !ours(event)) return;
    event.preventDefault();
    action();
  });
})();
