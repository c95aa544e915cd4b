// Resumable uploads for the upload page (tus 1.0.0 against /api/uploads/).
//
// Progressive enhancement: without this script the plain form posts one file. With it,
// several files can be dropped or picked; each gets a progress bar with speed and time
// left, pause/resume/cancel, automatic retries after a dropped connection, and resumes
// after a page reload (the upload URL is remembered in localStorage, keyed by the
// file's name, size and modification time, so picking the same file again continues it).
// When the last byte is in, the video's processing status is polled until it is ready.
"use strict";

(function () {
  const TUS = "1.0.0";
  const CHUNK = 16 * 1024 * 1024;
  const STORE = "vidstream.uploads";
  const RETRY_DELAYS = [1, 2, 4, 8, 15, 30];
  const DONE_STATES = ["ready", "failed"];

  const form = document.querySelector("form[data-tus-endpoint]");
  if (!form || !window.XMLHttpRequest || !window.fetch || !window.Blob || !window.localStorage) {
    return;
  }
  const endpoint = new URL(form.dataset.tusEndpoint, location.href).href;
  const videoApi = form.dataset.videoApi;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  // ----- remembered uploads -------------------------------------------------------------

  function loadStore() {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || {};
    } catch (error) {
      return {};
    }
  }

  function remember(key, value) {
    const all = loadStore();
    if (value === null) {
      delete all[key];
    } else {
      all[key] = value;
    }
    localStorage.setItem(STORE, JSON.stringify(all));
  }

  function fingerprint(file) {
    return [endpoint, file.name, file.size, file.lastModified].join("|");
  }

  // ----- formatting ---------------------------------------------------------------------

  function human(bytes) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return (unit === 0 ? value.toFixed(0) : value.toFixed(1)) + " " + units[unit];
  }

  function duration(seconds) {
    if (!isFinite(seconds) || seconds < 0) {
      return "—";
    }
    const s = Math.round(seconds);
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return Math.floor(s / 60) + " min " + (s % 60) + " s";
    }
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }

  function b64(text) {
    return btoa(String.fromCharCode.apply(null, new TextEncoder().encode(text)));
  }

  function headers(extra) {
    const all = { "Tus-Resumable": TUS, "X-CSRFToken": csrf };
    return Object.assign(all, extra || {});
  }

  function sleep(seconds) {
    return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); });
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      return body.error.message;
    } catch (error) {
      return "The server answered " + response.status + ".";
    }
  }

  class Refused extends Error {}

  // ----- one file -----------------------------------------------------------------------

  class UploadJob {
    constructor(file, list) {
      this.file = file;
      this.key = fingerprint(file);
      this.url = null;
      this.offset = 0;
      this.state = "waiting";
      this.xhr = null;
      this.speed = 0;
      this.ui = this.render(list);
    }

    render(list) {
      const item = document.createElement("li");
      item.className = "upload-item";
      const name = document.createElement("p");
      name.className = "upload-name";
      name.textContent = this.file.name + " (" + human(this.file.size) + ")";
      const bar = document.createElement("progress");
      bar.max = this.file.size || 1;
      bar.value = 0;
      const status = document.createElement("p");
      status.className = "upload-status muted";
      status.setAttribute("role", "status");
      const actions = document.createElement("div");
      actions.className = "upload-actions";
      const pause = this.button("Pause", () => (this.state === "paused" ? this.resume() : this.pause()));
      const cancel = this.button("Cancel", () => this.cancel());
      cancel.classList.add("danger");
      actions.append(pause, cancel);
      item.append(name, bar, status, actions);
      list.append(item);
      return { item: item, bar: bar, status: status, pause: pause, cancel: cancel, actions: actions };
    }

    button(label, onClick) {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = label;
      element.addEventListener("click", onClick);
      return element;
    }

    say(text) {
      this.ui.status.textContent = text;
    }

    async start() {
      this.state = "uploading";
      try {
        await this.locate();
        await this.sendAll();
      } catch (error) {
        this.fail(error);
      }
    }

    // Find where this file's upload stands: a remembered one, or a new one.
    async locate() {
      const known = loadStore()[this.key];
      if (known && known.url) {
        const response = await fetch(known.url, { method: "HEAD", headers: headers(), credentials: "same-origin" });
        if (response.ok) {
          this.url = known.url;
          this.offset = parseInt(response.headers.get("Upload-Offset"), 10) || 0;
          this.say("Resuming at " + human(this.offset) + ".");
          if (response.headers.get("Upload-Video-Id")) {
            return this.finished(response.headers.get("Upload-Video-Id"), response.headers.get("Upload-Video-Url"));
          }
          return;
        }
        remember(this.key, null);
      }
      await this.create();
    }

    async create() {
      const metadata = "filename " + b64(this.file.name) + ",filetype " + b64(this.file.type || "application/octet-stream");
      const response = await fetch(endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: headers({ "Upload-Length": String(this.file.size), "Upload-Metadata": metadata }),
      });
      if (response.status !== 201) {
        throw new Refused(await errorMessage(response));
      }
      this.url = new URL(response.headers.get("Location"), endpoint).href;
      this.offset = 0;
      remember(this.key, { url: this.url, name: this.file.name, size: this.file.size });
      if (response.headers.get("Upload-Video-Id")) {
        this.finished(response.headers.get("Upload-Video-Id"), response.headers.get("Upload-Video-Url"));
      }
    }

    async sendAll() {
      let attempt = 0;
      while (this.state === "uploading" && this.offset < this.file.size) {
        try {
          await this.sendChunk();
          attempt = 0;
        } catch (error) {
          if (error instanceof Refused || this.state !== "uploading") {
            throw error;
          }
          const delay = RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)];
          attempt += 1;
          this.say("Connection lost. Retrying in " + delay + " s…");
          await Promise.race([sleep(delay), new Promise((resolve) => window.addEventListener("online", resolve, { once: true }))]);
          if (this.state === "uploading") {
            await this.resync();
          }
        }
      }
    }

    // Ask the server how far it got (it may have kept part of an interrupted chunk).
    async resync() {
      const response = await fetch(this.url, { method: "HEAD", headers: headers(), credentials: "same-origin" });
      if (response.status === 404 || response.status === 410) {
        remember(this.key, null);
        throw new Refused("The server no longer has this upload; start it again.");
      }
      if (!response.ok) {
        throw new Error("HEAD " + response.status);
      }
      this.offset = parseInt(response.headers.get("Upload-Offset"), 10) || 0;
      this.ui.bar.value = this.offset;
    }

    sendChunk() {
      const start = this.offset;
      const end = Math.min(start + CHUNK, this.file.size);
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        this.xhr = xhr;
        let lastTime = performance.now();
        let lastLoaded = 0;
        xhr.open("PATCH", this.url);
        const all = headers({ "Upload-Offset": String(start), "Content-Type": "application/offset+octet-stream" });
        Object.keys(all).forEach((name) => xhr.setRequestHeader(name, all[name]));
        xhr.upload.addEventListener("progress", (event) => {
          const now = performance.now();
          const seconds = (now - lastTime) / 1000;
          if (seconds > 0.25) {
            const rate = (event.loaded - lastLoaded) / seconds;
            this.speed = this.speed ? 0.7 * this.speed + 0.3 * rate : rate;
            lastTime = now;
            lastLoaded = event.loaded;
          }
          this.progress(start + event.loaded);
        });
        xhr.addEventListener("load", () => this.chunkAnswered(xhr, resolve, reject));
        xhr.addEventListener("error", () => reject(new Error("network error")));
        xhr.addEventListener("abort", () => reject(new Error("aborted")));
        xhr.send(this.file.slice(start, end));
      });
    }

    chunkAnswered(xhr, resolve, reject) {
      this.xhr = null;
      const status = xhr.status;
      if (status === 204) {
        this.offset = parseInt(xhr.getResponseHeader("Upload-Offset"), 10);
        this.progress(this.offset);
        const videoId = xhr.getResponseHeader("Upload-Video-Id");
        if (videoId) {
          this.finished(videoId, xhr.getResponseHeader("Upload-Video-Url"));
        }
        resolve();
        return;
      }
      if (status === 409 || status === 423 || status >= 500 || status === 0) {
        reject(new Error("retry after " + status));
        return;
      }
      let message = "The server answered " + status + ".";
      try {
        message = JSON.parse(xhr.responseText).error.message;
      } catch (error) {
        // keep the generic message
      }
      remember(this.key, null);
      reject(new Refused(message));
    }

    progress(bytes) {
      this.ui.bar.value = bytes;
      const percent = this.file.size ? Math.floor((100 * bytes) / this.file.size) : 100;
      const left = this.speed ? (this.file.size - bytes) / this.speed : Infinity;
      this.say(
        percent + "% · " + human(bytes) + " of " + human(this.file.size) +
        (this.speed ? " · " + human(this.speed) + "/s · " + duration(left) + " left" : "")
      );
    }

    pause() {
      if (this.state !== "uploading") {
        return;
      }
      this.state = "paused";
      if (this.xhr) {
        this.xhr.abort();
      }
      this.ui.pause.textContent = "Resume";
      this.say("Paused at " + human(this.offset) + ".");
    }

    async resume() {
      if (this.state !== "paused") {
        return;
      }
      this.ui.pause.textContent = "Pause";
      this.state = "uploading";
      try {
        await this.resync();
        await this.sendAll();
      } catch (error) {
        this.fail(error);
      }
    }

    async cancel() {
      const previous = this.state;
      this.state = "cancelled";
      if (this.xhr) {
        this.xhr.abort();
      }
      this.ui.actions.remove();
      this.say("Cancelled.");
      remember(this.key, null);
      if (!this.url || previous === "done") {
        return;
      }
      // The aborted chunk's request may hold the upload's lock a moment longer (423).
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const response = await fetch(this.url, { method: "DELETE", headers: headers(), credentials: "same-origin" });
        if (response.status !== 423) {
          return;
        }
        await sleep(0.5);
      }
    }

    fail(error) {
      if (this.state === "paused" || this.state === "cancelled" || this.state === "done") {
        return;
      }
      this.state = "failed";
      this.ui.item.classList.add("failed");
      this.ui.pause.remove();
      this.say(error instanceof Refused ? error.message : "The upload stopped: " + error.message);
    }

    finished(videoId, pageUrl) {
      this.state = "done";
      this.offset = this.file.size;
      this.ui.bar.value = this.ui.bar.max;
      remember(this.key, null);
      this.ui.actions.remove();
      this.showVideo({ title: this.file.name, status: "uploaded", urls: { page: pageUrl || "#" } });
      this.watch(videoId);
    }

    // Poll the video until processing is over. The API belongs to the stream service:
    // where that is another origin without a gateway, the link above is all there is.
    async watch(videoId) {
      const url = videoApi.replace("VIDEO_ID", encodeURIComponent(videoId));
      for (let round = 0; round < 900; round += 1) {
        try {
          const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
          if (response.ok) {
            const video = (await response.json()).video;
            this.showVideo(video);
            if (DONE_STATES.indexOf(video.status) >= 0) {
              return;
            }
          }
        } catch (error) {
          return;
        }
        await sleep(2);
      }
    }

    showVideo(video) {
      this.ui.status.textContent = "";
      const link = document.createElement("a");
      link.href = video.urls.page;
      link.textContent = video.title;
      const state = video.status.replace("_", " ");
      const reason = video.status_reason ? " — " + video.status_reason : "";
      this.ui.status.append(link, document.createTextNode(" · " + state + reason));
    }
  }

  // ----- the page -----------------------------------------------------------------------

  function build() {
    const panel = document.createElement("div");
    panel.className = "uploader";
    const zone = document.createElement("div");
    zone.className = "dropzone";
    const hint = document.createElement("p");
    hint.textContent = "Drop video files here, or ";
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    // A hint for the file picker only: the server decides from each file's content.
    input.accept = "video/*,.mp4,.m4v,.mov,.mkv,.webm,.avi,.ts,.mts,.m2ts,.mpg,.mpeg,.flv,.wmv,.ogv,.3gp";
    input.id = "uploader-files";
    input.className = "visually-hidden";
    const pick = document.createElement("label");
    pick.htmlFor = input.id;
    pick.className = "button primary";
    pick.textContent = "choose files";
    hint.append(pick);
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = "Uploads resume after a lost connection; after a reload, choose the same file again.";
    zone.append(hint, input, note);
    const pending = document.createElement("ul");
    pending.className = "upload-pending muted";
    const list = document.createElement("ul");
    list.className = "upload-list";
    list.setAttribute("aria-label", "Uploads");
    panel.append(zone, pending, list);
    return { panel: panel, zone: zone, input: input, list: list, pending: pending };
  }

  function showRemembered(pending) {
    const all = loadStore();
    Object.keys(all).forEach(function (key) {
      if (key.indexOf(endpoint + "|") !== 0) {
        return;
      }
      const item = document.createElement("li");
      item.textContent = "Unfinished: " + all[key].name + " (" + human(all[key].size) +
        "). Choose or drop this file again to continue.";
      pending.append(item);
    });
  }

  function enhance() {
    const ui = build();
    form.hidden = true;
    form.parentNode.insertBefore(ui.panel, form.nextSibling);
    showRemembered(ui.pending);

    function add(files) {
      ui.pending.textContent = "";
      Array.prototype.forEach.call(files, function (file) {
        new UploadJob(file, ui.list).start();
      });
    }

    ui.input.addEventListener("change", function () {
      add(ui.input.files);
      ui.input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (name) {
      ui.zone.addEventListener(name, function (event) {
        event.preventDefault();
        ui.zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      ui.zone.addEventListener(name, function () { ui.zone.classList.remove("dragging"); });
    });
    ui.zone.addEventListener("drop", function (event) {
      event.preventDefault();
      add(event.dataTransfer.files);
    });
  }

  enhance();
})();
