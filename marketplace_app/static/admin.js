// Small behaviours the admin needs; everything else is plain forms and htmx attributes.
document.addEventListener("DOMContentLoaded", () => {
  const token = document.querySelector('meta[name="csrf-token"]')?.content;
  document.body.addEventListener("htmx:configRequest", (event) => {
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });
  document.querySelectorAll("[data-autosubmit]").forEach((element) => {
    element.addEventListener("change", () => element.form.requestSubmit());
  });
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll(box.dataset.selectAll).forEach((item) => { item.checked = box.checked; });
    });
  });
  document.querySelectorAll("[data-countdown]").forEach((element) => {
    const due = Date.parse(element.dataset.countdown);
    const hours = Math.round((due - Date.now()) / 3600000);
    element.dataset.state = hours < 0 ? "overdue" : hours < 72 ? "soon" : "ok";
  });
});
// Inbox bulk actions: show how many cases are selected (rows added by "Load more" included).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("bulk-form");
  const counter = form?.querySelector("[data-selected-count] output");
  if (!form || !counter) return;
  const update = () => {
    counter.textContent = String(document.querySelectorAll('input[name="ids"][form="bulk-form"]:checked').length);
  };
  document.body.addEventListener("change", (event) => {
    if (event.target.matches('input[name="ids"], [data-select-all]')) update();
  });
  update();
});
