/**
 * The page's script, sent as it is (plain browser JavaScript, no build step): upload with progress, show
 * the transcripts or the problem's detail, and in async mode watch the job until it is done.
 */
export const PAGE_SCRIPT = String.raw`"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("upload"), fileInput = $("file"), drop = $("drop"), button = $("submit"), progress = $("progress");
  const status = $("status"), error = $("error"), result = $("result"), facts = $("facts");
  let tenant = null;

  const headers = () => {
    const key = $("api-key").value.trim();
    const sent = {};
    if (key) sent["X-API-Key"] = key;
    if (tenant) sent["X-Tenant-ID"] = tenant;
    return sent;
  };
  const kib = (bytes) => bytes < 1048576 ? (bytes / 1024).toFixed(1) + " KiB" : (bytes / 1048576).toFixed(1) + " MiB";
  const showError = (text) => { error.textContent = text; error.hidden = false; status.textContent = ""; };
  const problemText = (body, statusCode) => body && typeof body.detail === "string" ? body.detail : "The service answered " + statusCode + ".";

  const clock = (seconds) => {
    const whole = Math.floor(seconds);
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  };

  function showUtterances(utterances) {
    const list = $("utterances");
    list.replaceChildren();
    for (const utterance of utterances || []) {
      const item = document.createElement("li");
      const when = document.createElement("span");
      when.className = "when";
      when.textContent = clock(utterance.start) + "–" + clock(utterance.end);
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = utterance.speaker || "Unknown speaker";
      const said = document.createElement("span");
      said.textContent = utterance.text;
      item.append(when, who, said);
      list.append(item);
    }
    $("turns").hidden = list.children.length === 0;
  }

  function show(answer) {
    showUtterances(answer.utterances);
    $("raw").textContent = answer.raw_transcript || "";
    $("cleaned").textContent = answer.cleaned_transcript || "";
    $("interaction").textContent = answer.interaction_id;
    $("tenant").textContent = answer.tenant_id || "";
    $("source").textContent = answer.source || "";
    $("cleaner").textContent = answer.cleaner || "";
    $("event").textContent = answer.event ? answer.event.status + (answer.event.event_id ? " (" + answer.event.event_id + ")" : answer.event.error ? " (" + answer.event.error + ")" : "") : "published when the job completed";
    result.hidden = false; facts.hidden = false;
    status.textContent = "Done.";
  }

  function send(file, asJob) {
    return new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open("POST", asJob ? "/batch/jobs" : "/batch/process");
      for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
      request.upload.onprogress = (event) => {
        if (!event.lengthComputable) return;
        const percent = Math.round((event.loaded / event.total) * 100);
        progress.value = percent;
        status.textContent = "Uploading " + kib(event.loaded) + " of " + kib(event.total) + " (" + percent + "%)";
      };
      request.upload.onload = () => { status.textContent = asJob ? "Uploaded; queuing the job…" : "Uploaded; transcribing and cleaning…"; };
      request.onload = () => {
        let body = null;
        try { body = JSON.parse(request.responseText); } catch { body = null; }
        resolve({ status: request.status, body, location: request.getResponseHeader("Location") });
      };
      request.onerror = () => resolve({ status: 0, body: null, location: null });
      const data = new FormData();
      data.append("file", file, file.name);
      request.send(data);
    });
  }

  /** How long the page watches a job before it leaves the job to run on and says where to look. */
  const WATCH_LIMIT_MS = 60 * 60 * 1000;

  async function watch(location) {
    const deadline = Date.now() + WATCH_LIMIT_MS;
    for (;;) {
      if (Date.now() > deadline) return showError("The job is still running; its status is at " + location + ".");
      let response;
      try {
        response = await fetch(location, { headers: headers(), signal: AbortSignal.timeout(15000) });
      } catch {
        await new Promise((done) => setTimeout(done, 5000));
        continue;
      }
      const job = await response.json().catch(() => null);
      if (!response.ok) return showError(problemText(job, response.status));
      status.textContent = "Job " + job.status + (job.attempts ? " (attempt " + job.attempts + ")" : "") + "…";
      if (job.status === "completed") return show(job);
      if (job.status === "failed") return showError(job.error ? job.error.message : "The job failed.");
      await new Promise((done) => setTimeout(done, 1000));
    }
  }

  async function upload(file) {
    error.hidden = true; result.hidden = true; facts.hidden = true;
    button.disabled = true; progress.hidden = false; progress.value = 0;
    try {
      const asJob = $("async").checked;
      const answer = await send(file, asJob);
      if (answer.status === 0) return showError("The service could not be reached.");
      if (answer.status >= 400) return showError(problemText(answer.body, answer.status));
      if (answer.status === 202) {
        tenant = answer.body.tenant_id;
        return await watch(answer.location);
      }
      show(answer.body);
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = fileInput.files && fileInput.files[0];
    if (!file) return showError("Choose a recording or captions file first.");
    void upload(file);
  });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault(); drop.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length > 0) { fileInput.files = event.dataTransfer.files; void upload(event.dataTransfer.files[0]); }
  });
})();
`;
