// Playing a collection through: when the video ends, open the next one (the page's
// "Next video" link, which also works without this script).
(function () {
  "use strict";
  var next = document.querySelector("[data-play-next]");
  var video = document.querySelector("video");
  if (!next || !video) return;
  video.addEventListener("ended", function () {
    window.location.assign(next.href);
  });
})();
