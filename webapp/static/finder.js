// The finder's facets (/cases, /search): type to filter a long list of values; ticking a value or changing the
// sort applies the choice at once (the form is an ordinary GET form, so the choice lands in the address).
"use strict";

(function () {
  const form = document.getElementById("finder-form");
  if (!form) return;

  for (const box of form.querySelectorAll(".facet-filter")) {
    box.addEventListener("input", () => {
      const wanted = box.value.trim().toLowerCase();
      for (const value of box.closest(".facet").querySelectorAll(".facet-value")) {
        const label = value.querySelector(".facet-label").textContent.toLowerCase();
        value.hidden = wanted !== "" && !label.includes(wanted) && !value.querySelector("input").checked;
      }
    });
  }

  // Leave empty fields and defaults out of the address, so that it shows only what was chosen.
  form.addEventListener("submit", () => {
    for (const field of form.querySelectorAll("input[type=search], input[type=date], select")) {
      if (field.value === "" || (field.name === "per_page" && field.value === "50")) field.disabled = true;
    }
    for (const box of form.querySelectorAll(".facet-filter")) box.disabled = true;
  });

  const submit = () => {
    const page = form.querySelector("input[name=page]");
    if (page) page.remove();
    form.requestSubmit();
  };
  for (const input of form.querySelectorAll(".facet-value input, #finder-sort, #finder-per-page")) {
    input.addEventListener("change", submit);
  }
})();
