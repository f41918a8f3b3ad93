// inboxtrace web: small enhancements; every page works without this file.
(function () {
  "use strict";

  // Activity: fetch the first page's rows again when the server says the store has news (an
  // EventSource on the page's event stream), or every few seconds where there is no EventSource.
  var rows = document.querySelector("tbody[data-live]");
  if (rows) {
    var url = rows.getAttribute("data-live");
    var busy = false, again = false;
    var refresh = function () {
      if (busy) { again = true; return; }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          // the fragment is server-rendered and escaped; parse it as a table body, no scripts run
          var tpl = document.createElement("template");
          tpl.innerHTML = "<table><tbody>" + html + "</tbody></table>";
          var fresh = tpl.content.querySelector("tbody");
          if (fresh && fresh.innerHTML !== rows.innerHTML) {
            rows.replaceChildren.apply(rows, Array.prototype.slice.call(fresh.childNodes));
            rows.setAttribute("data-updated", String(Date.now()));
          }
        })
        .catch(function () { /* offline for a moment: the next change tries again */ })
        .then(function () {
          busy = false;
          if (again) { again = false; refresh(); }
        });
    };
    var events = rows.getAttribute("data-events");
    if (events && window.EventSource) {
      var source = new EventSource(events);
      source.addEventListener("change", refresh);
      source.addEventListener("ready", function () { rows.setAttribute("data-stream", "open"); });
    } else {
      var every = Math.max(2, parseInt(rows.getAttribute("data-poll"), 10) || 5) * 1000;
      setInterval(function () { if (!document.hidden) { refresh(); } }, every);
    }
  }

  // Message page: copy "what to send the receiver's postmaster".
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-copy"));
      if (!el) { return; }
      var text = el.textContent;
      var done = function () { btn.setAttribute("data-copied", "1"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { select(el); });
      } else { select(el); done(); }
    });
  });
  function select(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // Ingest: show upload progress, refuse a file over the limit before sending it.
  var form = document.getElementById("upload");
  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", function (ev) {
      var input = form.querySelector("input[type=file]");
      var max = parseInt(input.getAttribute("data-max"), 10);
      if (input.files.length && input.files[0].size > max) {
        ev.preventDefault();
        input.setCustomValidity("too large");
        input.reportValidity();
        return;
      }
      ev.preventDefault();
      var bar = form.querySelector("progress");
      bar.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = 100 * e.loaded / e.total; } };
      xhr.onload = function () {
        // accepted: the upload is now a job, whose page shows its progress
        if (xhr.status === 200 && xhr.responseURL && xhr.responseURL.indexOf("/ingest/jobs/") > 0) {
          window.location.assign(xhr.responseURL);
          return;
        }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = doc.querySelector("main");
        if (main) { document.querySelector("main").replaceWith(document.importNode(main, true)); }
      };
      xhr.send(new FormData(form));
    });
  }
})();
