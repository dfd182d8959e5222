// jtai serve: the page's only script, served from the package. Everything works without it;
// it only says "Uploading..." while a big file is sent, so nobody presses the button twice.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.upload").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = "Uploading...";
      }
    });
  });
});
