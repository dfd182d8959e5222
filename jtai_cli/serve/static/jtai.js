// jtai serve: the page's only script, served from the package. Everything works without it:
// it says "Uploading..." while a big file is sent, so nobody presses the button twice, and it
// turns each file picker into a drop area (drop one or more workbooks on it; the picker
// itself still works, and is what the form sends); and it scrolls a rule's rows to the
// highlighted cell.
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
    form.querySelectorAll("input[type=file]").forEach(dropArea);
  });
  // A rule's rows from the sheet: each box scrolled sideways to its first highlighted cell
  // when the rule is opened, so a wide sheet shows what is wrong without searching for it.
  document.querySelectorAll("details.rule").forEach(function (rule) {
    rule.addEventListener("toggle", function () {
      if (rule.open) {
        rule.querySelectorAll("table.rowdata").forEach(showHit);
      }
    });
    if (rule.open) {
      rule.querySelectorAll("table.rowdata").forEach(showHit);
    }
  });
});

function showHit(table) {
  var box = table.parentNode;
  var hit = table.querySelector("td.hit");
  if (!hit || !box) {
    return;
  }
  var left = hit.getBoundingClientRect().left - box.getBoundingClientRect().left + box.scrollLeft;
  var right = left + hit.offsetWidth;
  if (right > box.scrollLeft + box.clientWidth || left < box.scrollLeft) {
    // centred in the box, or its left edge at the box's left where it is the wider
    box.scrollLeft = Math.max(0, left - Math.max(0, (box.clientWidth - hit.offsetWidth) / 2));
  }
}

function dropArea(input) {
  var area = document.createElement("div");
  area.className = "drop";
  area.setAttribute("aria-hidden", "true");  // the picker below is what a screen reader uses
  var words = document.createElement("span");
  words.textContent = "Drop one or more workbooks here, or choose them below.";
  var names = document.createElement("span");
  names.className = "names";
  area.appendChild(words);
  area.appendChild(names);
  input.parentNode.insertBefore(area, input);

  function show() {
    var list = [];
    for (var i = 0; i < input.files.length; i++) {
      list.push(input.files[i].name);
    }
    names.textContent = list.join(", ");
  }
  ["dragenter", "dragover"].forEach(function (type) {
    area.addEventListener(type, function (event) {
      event.preventDefault();
      if (event.dataTransfer) {
        event.dataTransfer.dropEffect = "copy";
      }
      area.classList.add("over");
    });
  });
  ["dragleave", "dragend"].forEach(function (type) {
    area.addEventListener(type, function () {
      area.classList.remove("over");
    });
  });
  area.addEventListener("drop", function (event) {
    event.preventDefault();
    area.classList.remove("over");
    var dropped = event.dataTransfer && event.dataTransfer.files;
    if (!dropped || !dropped.length) {
      return;
    }
    if (!input.multiple && dropped.length > 1) {
      var one = new DataTransfer();
      one.items.add(dropped[0]);
      dropped = one.files;
    }
    input.files = dropped;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  input.addEventListener("change", show);
  // A file dropped beside the area must not make the browser leave the page to open it.
  ["dragover", "drop"].forEach(function (type) {
    window.addEventListener(type, function (event) {
      if (!area.contains(event.target)) {
        event.preventDefault();
      }
    });
  });
}
