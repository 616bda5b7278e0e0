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
