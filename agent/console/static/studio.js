// The studio's forms and buttons: they call the JSON API under /console/studio/api and show
// what comes back (the checks' findings, training progress, the bot's answer in "try it").
"use strict";

const csrf = document.querySelector('meta[name="csrf"]').content;
const words = JSON.parse(document.querySelector('meta[name="strings"]').content);
const language = document.documentElement.lang;
const flash = document.getElementById("flash");

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error || response.statusText);
    error.findings = data.findings;
    throw error;
  }
  return data;
}

function say(text, isError) {
  flash.textContent = text;
  flash.classList.toggle("error", Boolean(isError));
}

function failed(error, listId = "findings") {
  if (error.findings) {
    say(listId === "findings" ? words.fix_first : words.fix_voice, true);
    showFindings(error.findings, listId);
  } else {
    say(error.message, true);
  }
}

function lines(form, name) {
  const field = form.elements[name];
  return field ? field.value.split("\n").map((s) => s.trim()).filter(Boolean) : [];
}

function value(form, name) {
  const field = form.elements[name];
  return field ? field.value : "";
}

function editOf(form) {
  const variants = {};
  for (const channel of ["messenger", "instagram", "x"]) {
    for (const lang of ["en", "ja"]) {
      const text = value(form, `variant_${channel}_${lang}`).trim();
      if (text) (variants[channel] = variants[channel] || {})[lang] = text;
    }
  }
  return {
    questions: { en: lines(form, "questions_en"), ja: lines(form, "questions_ja") },
    answers: { en: value(form, "answer_en"), ja: value(form, "answer_ja") },
    variants,
    quick_replies: { en: lines(form, "quick_replies_en"), ja: lines(form, "quick_replies_ja") },
  };
}

function voiceOf(form) {
  const both = (name) => ({ en: value(form, `${name}_en`), ja: value(form, `${name}_ja`) });
  const channels = ["messenger", "instagram", "x"];
  return {
    brand: value(form, "brand"),
    persona: both("persona"),
    japanese_register: value(form, "japanese_register"),
    emoji: Object.fromEntries(channels.map((c) => [c, value(form, `emoji_${c}`)])),
    greeting: both("greeting"),
    sign_off: both("sign_off"),
    acknowledgment: both("acknowledgment"),
    banned_words: lines(form, "banned_words"),
    max_length: Object.fromEntries(channels.map((c) => [c, Number(value(form, `max_length_${c}`))])),
    link_domains: lines(form, "link_domains"),
  };
}

function showFindings(findings, listId = "findings") {
  const list = document.getElementById(listId);
  if (!list) return;
  list.replaceChildren();
  if (!findings || findings.length === 0) {
    const item = document.createElement("li");
    item.className = "ok";
    item.dataset.testid = "no-findings";
    item.textContent = words.no_findings;
    list.append(item);
    return;
  }
  for (const finding of findings) {
    const item = document.createElement("li");
    item.dataset.testid = "finding";
    item.dataset.code = finding.code;
    const where = [finding.language, finding.channel].filter(Boolean).join(" · ");
    const message = language === "ja" && finding.message_ja ? finding.message_ja : finding.message;
    item.textContent = (where ? `[${where}] ` : "") + message;
    if (finding.excerpt) {
      const excerpt = document.createElement("q");
      excerpt.textContent = finding.excerpt;
      item.append(" ", excerpt);
    }
    list.append(item);
  }
}

async function onFaqForm(form, action) {
  const key = form.dataset.key || value(form, "key").trim();
  const base = `/console/studio/api/faq`;
  if (action === "create") {
    const params = new URLSearchParams(location.search);
    const fromDraft = params.get("draft");
    const body = { key, ...editOf(form) };
    if (fromDraft) body.from_draft = Number(fromDraft);
    const data = await call("POST", base, body);
    location.href = `/console/studio/faq/${encodeURIComponent(data.version.key)}?lang=${language}`;
    return;
  }
  if (action === "withdraw") {
    await call("POST", `${base}/${key}/withdraw`, {});
    location.reload();
    return;
  }
  const saved = await call("PUT", `${base}/${key}/draft`, editOf(form));
  showFindings(saved.findings);
  if (action === "save") {
    say(words.saved);
    return;
  }
  await call("POST", `${base}/${key}/submit`, {});
  say(words.submitted);
  location.reload();
}

async function onReview(form, action) {
  const key = form.dataset.key;
  const note = value(form, "note");
  const retrain = action === "approve_retrain";
  if (retrain) action = "approve";
  const data = await call("POST", `/console/studio/api/faq/${key}/${action}`, { note });
  if (retrain) {
    // Published already; the training's progress shows on the studio's front page.
    if (data.stale) await call("POST", "/console/studio/api/retrain", {});
    sessionStorage.setItem("flash", data.stale ? words.training_started : words.published);
    location.href = `/console/studio?lang=${language}`;
    return;
  }
  if (action === "approve") {
    sessionStorage.setItem("flash", data.stale ? words.published_stale : words.published);
  } else {
    sessionStorage.setItem("flash", words.sent_back);
  }
  location.reload();
}

function showTry(data) {
  const box = document.getElementById("try-result");
  box.replaceChildren();
  const head = document.createElement("p");
  head.dataset.testid = "try-intent";
  head.dataset.key = data.key || "";
  head.textContent = data.key && data.confident
    ? words.recognised.replace("{key}", data.key).replace("{confidence}", data.confidence.toFixed(2))
    : words.not_recognised;
  box.append(head);
  for (const [channel, texts] of Object.entries(data.answers || {})) {
    const section = document.createElement("div");
    section.className = "try-channel";
    section.dataset.testid = `try-${channel}`;
    const title = document.createElement("h3");
    title.textContent = channel;
    section.append(title);
    for (const [label, text] of [[words.first_reply, texts.first], [words.later_reply, texts.later]]) {
      const caption = document.createElement("small");
      caption.textContent = label;
      const bubble = document.createElement("p");
      bubble.className = "bubble";
      bubble.textContent = text;
      section.append(caption, bubble);
    }
    box.append(section);
  }
}

function showJob(job, stale) {
  const box = document.getElementById("job");
  if (!box || !job) return;
  box.innerHTML = "";
  const line = document.createElement("p");
  const status = Object.assign(document.createElement("span"), { textContent: job.status });
  status.dataset.testid = "job-status";
  const stage = Object.assign(document.createElement("span"), { textContent: job.stage });
  stage.dataset.testid = "job-stage";
  const bar = Object.assign(document.createElement("progress"), { max: 100, value: job.percent });
  bar.dataset.testid = "job-progress";
  const percent = Object.assign(document.createElement("span"), { textContent: `${job.percent}%` });
  percent.dataset.testid = "job-percent";
  line.append(status, " · ", stage, " ", bar, " ", percent);
  const message = Object.assign(document.createElement("p"), { textContent: job.message });
  message.dataset.testid = "job-message";
  box.append(line, message);
  const staleLine = document.querySelector('[data-testid="stale"]');
  if (staleLine) {
    staleLine.textContent = stale ? words.stale : words.fresh;
    staleLine.className = stale ? "stale" : "fresh";
  }
}

async function pollJob() {
  try {
    const data = await call("GET", "/console/studio/api/jobs/latest");
    showJob(data.job, data.stale);
    if (data.job && data.job.status === "running") setTimeout(pollJob, 1000);
  } catch (error) {
    say(error.message, true);
  }
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  event.preventDefault();
  if (form.id === "voice-form") {
    const list = document.getElementById("voice-findings");
    try {
      await call("PUT", "/console/studio/api/voice", { profile: voiceOf(form) });
      if (list) list.replaceChildren();
      say(words.saved);
    } catch (error) {
      failed(error, "voice-findings");
    }
    return;
  }
  try {
    if (form.id === "faq-form") await onFaqForm(form, event.submitter?.dataset.action || "save");
    if (form.id === "try-form") {
      showTry(await call("POST", "/console/studio/api/try", { text: value(form, "text") }));
    }
  } catch (error) {
    failed(error);
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  // A form's submit button is handled by the submit event.
  if (!button || (button.type === "submit" && button.form)) return;
  const form = button.closest("form");
  try {
    if (form && form.id === "faq-form" && button.dataset.action) {
      await onFaqForm(form, button.dataset.action);
    } else if (form && form.id === "review-form") {
      await onReview(form, button.dataset.action);
    } else if (button.dataset.rollback) {
      await call("POST", `/console/studio/api/faq/${button.dataset.key}/rollback`, {
        version: Number(button.dataset.rollback),
      });
      sessionStorage.setItem("flash", words.restored);
      location.reload();
    } else if (button.id === "retrain") {
      button.disabled = true;
      await call("POST", "/console/studio/api/retrain", {});
      say(words.training_started);
      pollJob();
    } else if (button.id === "model-rollback") {
      button.disabled = true;
      await call("POST", "/console/studio/api/model/rollback", {});
      sessionStorage.setItem("flash", words.model_rolled_back);
      location.reload();
    }
  } catch (error) {
    failed(error);
    if (button.id === "retrain") button.disabled = false;
  }
});

const remembered = sessionStorage.getItem("flash");
if (remembered) {
  say(remembered);
  sessionStorage.removeItem("flash");
}
if (document.getElementById("job")) pollJob();
