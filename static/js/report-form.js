/* The municipality's report form (templates/goals/report_form.html), kinder when JavaScript
   runs; without it the form works the same, saved by its buttons.

   - Leaving the page with changes not yet saved asks first (beforeunload).
   - The draft is saved a few seconds after typing stops: the form's own fields, posted to
     the page's own address with "autosave" (CSRF token and hidden version included), so it
     passes the same version guard as "Gem kladde" (goals.rounds.save_report). The answer is
     JSON: the new version, which replaces the hidden one so the next save is not refused
     as stale, and "Gemt kl. HH:MM" for the live status line. Files wait for the buttons.
   - When somebody else has saved meanwhile (409), nothing is written and autosave stops
     with the server's sentence: "Gem kladde" then shows both people's changes. So it does
     when the session has ended (401) or the page is older than the login (403): the
     sentence says to copy the typing first.

   Texts come from the form's data attributes (translated by Django); no build step. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = form.querySelector("[data-autosave-status]");
  var version = form.querySelector("input[name=version]");
  var note = document.querySelector("[data-autosave-note]");
  var delay = parseInt(form.getAttribute("data-autosave-delay"), 10) || 3000;

  var edits = 0; // changes typed so far
  var savedEdits = 0; // changes the last successful save covered
  var filesTouched = false; // a chosen file or "remove file": saved by the buttons only
  var timer = null;
  var saving = false;
  var stopped = false; // a colleague saved meanwhile: no more autosaves on this page
  var leaving = false; // the form is being sent by one of its buttons
  var waitingSubmitter = null; // a button pressed while an autosave was under way

  if (note) {
    note.hidden = false;
  }
  if (form.hasAttribute("data-unsaved")) {
    // The page shows input a save refused (errors, or a colleague's save to look through
    // first): not saved, and saved only by the buttons, once the user has seen why.
    edits = 1;
    stopped = true;
  }

  function say(text, state) {
    // Only a new sentence is written, so a screen reader is not told the same thing twice.
    if (status.textContent !== text) {
      status.textContent = text;
    }
    status.setAttribute("data-state", state);
  }

  function unsaved() {
    return edits !== savedEdits || filesTouched;
  }

  function isFileField(field) {
    return field.type === "file" || /-clear_evidence_file$/.test(field.name);
  }

  function changed(event) {
    var field = event.target;
    if (!field.name || field.name === "version" || leaving) {
      return;
    }
    if (isFileField(field)) {
      filesTouched = true;
      return;
    }
    edits += 1;
    if (stopped) {
      return;
    }
    say(form.getAttribute("data-msg-unsaved"), "unsaved");
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  }

  function finished() {
    saving = false;
    if (waitingSubmitter !== null) {
      var button = waitingSubmitter;
      waitingSubmitter = null;
      form.requestSubmit(button === true ? undefined : button);
    }
  }

  function save() {
    timer = null;
    if (stopped || leaving || edits === savedEdits) {
      return;
    }
    if (saving) {
      timer = window.setTimeout(save, delay);
      return;
    }
    var upTo = edits;
    var data = new FormData(form);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && isFileField(field)) {
        data.delete(field.name);
      }
    });
    data.append("autosave", "1");
    saving = true;
    say(form.getAttribute("data-msg-saving"), "saving");
    window
      .fetch(window.location.pathname, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("not JSON (logged out?)");
        }
        return response.json().then(function (body) {
          return { status: response.status, body: body };
        });
      })
      .then(function (answer) {
        if (answer.status === 200) {
          version.value = answer.body.version;
          savedEdits = upTo;
          say(answer.body.status, edits === savedEdits ? "saved" : "unsaved");
        } else if (answer.status === 409 || answer.status === 401 || answer.status === 403) {
          stopped = true;
          window.clearTimeout(timer);
          say(answer.body.error, "stopped");
        } else {
          // A field the server refuses (a bad link, a number): tried again on the next change.
          say(answer.body.error, "error");
        }
      })
      .catch(function () {
        say(form.getAttribute("data-msg-failed"), "error");
      })
      .then(finished);
  }

  // A browser that refills the fields on reload or "back" shows text the page did not come
  // with: not saved, so it is saved like anything typed.
  function restored() {
    return Array.prototype.some.call(form.elements, function (field) {
      if (!field.name || field.type === "hidden" || isFileField(field)) {
        return false;
      }
      if (field.type === "radio" || field.type === "checkbox") {
        return field.checked !== field.defaultChecked;
      }
      return "defaultValue" in field && field.value !== field.defaultValue;
    });
  }

  function checkRestored() {
    if (!stopped && restored()) {
      changed({ target: form.querySelector("textarea, input:not([type=hidden])") });
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  form.addEventListener("submit", function (event) {
    if (saving) {
      // Sent once the autosave has answered, with the version it got: otherwise the page's
      // own autosave would make this save look stale.
      event.preventDefault();
      waitingSubmitter = event.submitter || true;
      return;
    }
    window.clearTimeout(timer);
    leaving = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (leaving || !unsaved()) {
      return;
    }
    event.preventDefault();
    event.returnValue = "";
  });

  // Back from the browser's cache after leaving: the form may be used again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      leaving = false;
    }
    checkRestored();
  });
})();
