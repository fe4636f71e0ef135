// The kiosk's countdown: shown in the last 30 seconds before the screen's own refresh
// (a <meta http-equiv="refresh">) wipes the session. The refresh works without this script.
(function () {
  "use strict";
  var box = document.getElementById("kiosk-countdown");
  if (!box) return;
  var left = parseInt(box.getAttribute("data-seconds"), 10);
  var label = box.querySelector("[data-left]");
  if (!left || !label) return;
  function tick() {
    left -= 1;
    if (left <= 30) {
      box.hidden = false;
      label.textContent = String(Math.max(left, 0));
    }
    if (left > 0) window.setTimeout(tick, 1000);
  }
  window.setTimeout(tick, 1000);
})();
