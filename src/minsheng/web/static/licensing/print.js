// The kiosk's print page: once the license PDF has loaded in the frame, open the print dialog.
// Without script (or if the browser refuses), the plain link beside it opens the PDF.
(function () {
  "use strict";
  var frame = document.getElementById("license-frame");
  if (!frame) return;
  var again = document.getElementById("print-again");
  function printIt() {
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch (e) {
      window.print();
    }
  }
  frame.addEventListener("load", function () {
    window.setTimeout(printIt, 300);
    if (again) again.hidden = false;
  });
  if (again) again.addEventListener("click", printIt);
})();
