// The dashboard's two buttons: start an FAQ draft from a group of unanswered questions, and
// acknowledge a crisis alert. Everything else on the page is plain HTML.
"use strict";

const csrf = document.querySelector('meta[name="csrf"]').content;
const flash = document.getElementById("flash");

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-draft], button[data-ack]");
  if (!button) return;
  button.disabled = true;
  try {
    if (button.dataset.draft) {
      const ids = button.dataset.draft.split(",").map(Number);
      const data = await post("/console/insight/api/drafts", {
        message_ids: ids,
        language: button.dataset.language || "en",
      });
      const text = document.querySelector('meta[name="draft-started"]').content;
      button.textContent = text.replace("{id}", data.id);
      button.dataset.testid = "draft-started";
      button.setAttribute("data-testid", "draft-started");
    } else {
      await post(`/console/insight/api/alerts/${button.dataset.ack}/acknowledge`);
      button.closest(".alert").classList.add("done");
      button.remove();
    }
  } catch (error) {
    flash.textContent = error.message;
    button.disabled = false;
  }
});
