// Progressive enhancement of the new-incident form (/incidents/new): when a field changes,
// the form is posted as "Assess and brief" in the background and the assessment is
// replaced in place. Without this script the button does the same with a page load.
"use strict";
(function () {
  const form = document.getElementById("incident-form");
  if (!form || !window.fetch || !window.DOMParser) { return; }
  let timer = null;
  let asked = 0;
  async function refresh() {
    const number = ++asked;
    const body = new URLSearchParams(new FormData(form));
    body.set("action", "preview");  // an unfinished record is answered 200, fields to fix shown
    body.delete("token");  // a background update never saves anything
    const answer = await fetch("/incidents/new", { method: "POST", body: body });
    if (number !== asked) { return; }  // a later edit already asked again
    const page = new DOMParser().parseFromString(await answer.text(), "text/html");
    // read before the loop below moves the fresh sections out of `page`
    const fixing = !answer.ok || page.getElementById("problems") !== null;
    for (const id of ["assessment-section", "problems"]) {
      const fresh = page.getElementById(id);
      const old = document.getElementById(id);
      if (old && fresh) { old.replaceWith(fresh); }
      else if (old) { old.remove(); }
      else if (fresh && id === "assessment-section") { form.after(fresh); }
      else if (fresh) { form.before(fresh); }
    }
    const status = document.getElementById("live-status");
    if (status) { status.textContent = fixing ? "Some fields need fixing." : "Assessment updated."; }
  }
  form.addEventListener("change", function (event) {
    if (event.target.id === "f-text" || event.target.id === "f-token") { return; }
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
