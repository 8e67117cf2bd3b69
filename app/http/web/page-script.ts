import { PAGE_DISPLAY } from "./page-display.js";

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
  /** The transcript on show, sent back for its subtitles; the job it came from, when it was one. */
  let shown = null;
  let shownJob = null;

  /** The options asked in the form, as the upload's query: language or detection, and each key term. */
  const optionsQuery = () => {
    const query = new URLSearchParams();
    const language = $("language").value;
    if (language === "detect") query.set("detect_language", "true");
    else if (language) query.set("language", language);
    for (const term of $("keyterms").value.split(",")) if (term.trim()) query.append("keyterm", term.trim());
    const text = query.toString();
    return text ? "?" + text : "";
  };

  const headers = () => {
    const key = $("api-key").value.trim();
    const sent = {};
    if (key) sent["X-API-Key"] = key;
    if (tenant) sent["X-Tenant-ID"] = tenant;
    return sent;
  };
  const kib = (bytes) => bytes < 1048576 ? (bytes / 1024).toFixed(1) + " KiB" : (bytes / 1048576).toFixed(1) + " MiB";
${PAGE_DISPLAY}

  function send(file, asJob) {
    return new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open("POST", (asJob ? "/batch/jobs" : "/batch/process") + optionsQuery());
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
      if (!response.ok) return showProblem(job, response.status);
      status.textContent = "Job " + job.status + (job.attempts ? " (attempt " + job.attempts + ")" : "") + "…";
      if (job.status === "completed") { shownJob = location; $("delete-job").hidden = false; return show(job); }
      if (job.status === "failed")
        return showError(job.error ? job.error.message : "The job failed.", { interaction_id: job.interaction_id });
      await new Promise((done) => setTimeout(done, 1000));
    }
  }

  async function upload(file) {
    error.hidden = true; result.hidden = true; facts.hidden = true; $("downloads").hidden = true; shown = null;
    shownJob = null; $("delete-job").hidden = true;
    button.disabled = true; progress.hidden = false; progress.value = 0;
    try {
      const asJob = $("async").checked;
      const answer = await send(file, asJob);
      if (answer.status === 0) return showError("The service could not be reached.");
      if (answer.status >= 400) return showProblem(answer.body, answer.status);
      if (answer.status === 202) {
        tenant = answer.body.tenant_id;
        return await watch(answer.location);
      }
      show(answer.body);
    } finally {
      button.disabled = false;
    }
  }

  /** The transcript on show as subtitles: sent back to the service, which writes them; saved as a file. */
  async function download(format) {
    if (!shown) return;
    error.hidden = true;
    try {
      const response = await fetch("/batch/subtitles?format=" + format, {
        method: "POST",
        headers: { ...headers(), "Content-Type": "application/json" },
        body: JSON.stringify(shown),
        signal: AbortSignal.timeout(60000),
      });
      if (!response.ok) return showProblem(await response.json().catch(() => null), response.status);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = "transcript-" + shown.interaction_id + "." + format;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    } catch {
      showError("The subtitles could not be made; try again.");
    }
  }
  /** Deletes the job on show, with everything of it the service kept; the page forgets it too. */
  async function deleteJob() {
    if (!shownJob || !window.confirm("Delete this job and everything the service kept of it?")) return;
    try {
      const response = await fetch(shownJob, { method: "DELETE", headers: headers(), signal: AbortSignal.timeout(15000) });
      if (!response.ok) return showProblem(await response.json().catch(() => null), response.status);
      result.hidden = true; facts.hidden = true; $("downloads").hidden = true; shown = null; shownJob = null;
      status.textContent = "Deleted: the service keeps nothing of this job.";
    } catch {
      showError("The job could not be deleted; try again.");
    }
  }
  $("delete-job").addEventListener("click", () => void deleteJob());
  $("download-vtt").addEventListener("click", () => void download("vtt"));
  $("download-srt").addEventListener("click", () => void download("srt"));

  /** What /readyz says about audio: undefined until it answers (then the server decides, as before). */
  let readiness;
  fetch("/readyz", { signal: AbortSignal.timeout(10000) })
    .then((response) => response.json())
    .then((body) => { readiness = body; })
    .catch(() => undefined);
  const CAPTIONS = /\.(vtt|srt|txt)$/i;
  const isAudio = (file) => !CAPTIONS.test(file.name) && !/^text\//.test(file.type);

  /** Refusals the page can make before a byte is sent: no key in api-key mode, audio with no provider. */
  function refusedBeforeUpload(file) {
    if (document.body.dataset.authMode === "api-key" && !$("api-key").value.trim()) {
      $("api-key").focus();
      return "Enter your API key first: this service answers only requests that carry one.";
    }
    const transcription = readiness && readiness.transcription;
    if (isAudio(file) && transcription && transcription.configured === false) {
      const missing = transcription.missing && transcription.missing.length ? transcription.missing.join(", ") : "its API key";
      return "Audio cannot be transcribed here yet: " + transcription.provider + " is not configured (set " + missing + " and restart the service). Captions files (.vtt, .srt, .txt) work without it.";
    }
    return undefined;
  }

  function start(file) {
    error.hidden = true;
    const refusal = refusedBeforeUpload(file);
    if (refusal) return showError(refusal);
    void upload(file);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = fileInput.files && fileInput.files[0];
    if (!file) return showError("Choose a recording or captions file first.");
    start(file);
  });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault(); drop.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length > 0) { fileInput.files = event.dataTransfer.files; start(event.dataTransfer.files[0]); }
  });
})();
`;
