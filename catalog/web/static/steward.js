// Ingest run page: poll the run's JSON until it ends, updating the status, result, log and report link in
// place (without JavaScript the page has a refresh link instead).
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box || box.dataset.done === "true") return;
  var refresh = document.getElementById("run-refresh");
  if (refresh) refresh.hidden = true;
  function show(run) {
    var state = document.getElementById("run-state");
    state.textContent = run.state_label;
    state.className = "run-" + run.state;
    document.getElementById("run-outcome").textContent = run.outcome_label || "—";
    document.getElementById("run-log").textContent = run.log;
    if (run.report_url) {
      var report = document.getElementById("run-report");
      report.querySelector("a").href = run.report_url;
      report.hidden = false;
    }
    box.dataset.done = run.done ? "true" : "false";
  }
  function poll() {
    fetch(box.dataset.poll, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (run) {
        show(run);
        if (!run.done) setTimeout(poll, 1000);
      })
      .catch(function () { if (refresh) refresh.hidden = false; });
  }
  setTimeout(poll, 500);
})();
