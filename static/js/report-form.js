/* The municipality's report form (templates/goals/report_form.html), kinder when JavaScript
   runs; without it the form works the same, saved by its buttons.

   - What is saved is known by value: the fields as the server last saved them (the page's
     own values, then each autosave's) are compared with the fields as they are now. Only a
     difference is "not saved": a click elsewhere after "Gemt kl. 11:08" (a `change` on
     blur) neither flips the line nor sends another save nor asks before leaving.
   - The draft is saved a few seconds after typing stops: the form's own fields, posted to
     the page's own address with "autosave" (CSRF token and hidden version included), so it
     passes the same version guard as "Gem kladde" (goals.rounds.save_report). The answer is
     JSON: the new version, which replaces the hidden one so the next save is not refused
     as stale, and "Gemt kl. HH:MM" for the live status line. Files wait for the buttons.
   - Leaving the page (or hiding it: a phone switching apps) before that sends the draft at
     once, with `keepalive` so the request outlives the page: from beforeunload, before the
     next page is asked for, and from visibilitychange/pagehide. Until the server has it, what
     differs from the saved values is also kept in this browser (localStorage); a later visit
     whose page does not show it offers it back. Leaving with changes not yet saved still
     asks first (beforeunload), since a send as the page goes may fail unseen.
   - When somebody else has saved meanwhile (409), nothing is written and autosave stops
     with the server's sentence: "Gem kladde" then shows both people's changes. So it does
     when the session has ended (401) or the page is older than the login (403): the
     sentence says to copy the typing first.
   - A file chosen over the size limit is taken off its input with a sentence beside it, so
     "Gem kladde" never sends it (the server would refuse the whole save, typing and all).
   - Choosing a status updates the line's preview of its evaluation at once (the page
     carries one per status, made by the server's rule, in <template data-will-be-for>).

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
  var offer = document.querySelector("[data-draft-offer]");
  var delay = parseInt(form.getAttribute("data-autosave-delay"), 10) || 3000;
  var draftKey = "kkr-report-draft:" + window.location.pathname;
  var FRESH = 20000; // ms: a copy this young was kept as the page was just left

  var filesTouched = false; // a chosen file or "remove file": saved by the buttons only
  var timer = null;
  var saving = false;
  var stopped = false; // a colleague saved meanwhile: no more autosaves on this page
  var leaving = false; // the form is being sent by one of its buttons
  var waitingSubmitter = null; // a button pressed while an autosave was under way
  var savedText = ""; // "Gemt kl. HH:MM" once this page has saved
  var sentAsGoing = null; // the answers last sent as the page went (JSON)
  // The fields as the server has them; null when the page shows input a save refused.
  var saved = null;

  function isFileField(field) {
    return field.type === "file" || /-clear_evidence_file$/.test(field.name);
  }

  function isAnswer(field) {
    return field.name && field.type !== "hidden" && !isFileField(field) && !field.disabled;
  }

  /* The answers by field name: as typed now, or as the page came (`asLoaded`). */
  function answers(asLoaded) {
    var found = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!isAnswer(field) || field.type === "submit" || field.type === "button") {
        return;
      }
      if (field.type === "radio" || field.type === "checkbox") {
        if (!(field.name in found)) {
          found[field.name] = "";
        }
        if (asLoaded ? field.defaultChecked : field.checked) {
          found[field.name] = field.value;
        }
      } else {
        found[field.name] = asLoaded ? field.defaultValue : field.value;
      }
    });
    return found;
  }

  /* A number as the server reads it (goals.forms.AmountField): decimal comma, thousands
     grouped with dots or spaces. NaN for anything else. */
  function asNumber(text) {
    var value = text.replace(/\u00a0/g, " ");
    if (/^-?\d{1,3}([.\s]\d{3})+(,\d*)?$/.test(value)) {
      value = value.replace(/[.\s]/g, "");
    }
    return /^-?\d+([.,]\d*)?$/.test(value) ? parseFloat(value.replace(",", ".")) : NaN;
  }

  /* How the server writes a field back: "url" (a bare link gets https://), "number" (its
     own way: "42" is shown as "42,00") or as text (stripped). */
  function kindOf(name) {
    var field = form.elements.namedItem(name);
    if (!field || field.length) {
      return "text"; // radios: their values are codes
    }
    if (field.type === "url") {
      return "url";
    }
    return field.getAttribute("inputmode") === "decimal" ? "number" : "text";
  }

  /* Whether two answers of the field `name` say the same as the server keeps them. */
  function same(name, one, other) {
    if (one === other) {
      return true;
    }
    if (typeof one !== "string" || typeof other !== "string") {
      return false;
    }
    var a = one.trim();
    var b = other.trim();
    if (a === b) {
      return true;
    }
    var kind = kindOf(name);
    if (kind === "url") {
      return a === "https://" + b || b === "https://" + a;
    }
    if (kind === "number") {
      var x = asNumber(a);
      return !isNaN(x) && x === asNumber(b);
    }
    return false;
  }

  /* The fields of `now` that differ from `base` (all of them when there is no base). */
  function differences(now, base) {
    var found = {};
    Object.keys(now).forEach(function (name) {
      if (!base || !same(name, base[name], now[name])) {
        found[name] = now[name];
      }
    });
    return found;
  }

  function isEmpty(object) {
    return Object.keys(object).length === 0;
  }

  function valuesUnsaved() {
    return saved === null || !isEmpty(differences(answers(false), saved));
  }

  function unsaved() {
    return filesTouched || valuesUnsaved();
  }

  function say(text, state) {
    // Only a new sentence is written, so a screen reader is not told the same thing twice.
    if (status.textContent !== text) {
      status.textContent = text;
    }
    status.setAttribute("data-state", state);
  }

  // --- the copy kept in this browser until the server has it ------------------------------

  function readDraft() {
    try {
      var draft = JSON.parse(window.localStorage.getItem(draftKey) || "null");
      return draft && draft.fields ? draft : null;
    } catch (error) {
      return null;
    }
  }

  function dropDraft() {
    try {
      window.localStorage.removeItem(draftKey);
    } catch (error) {
      // No storage (private mode, full): there was nothing kept either.
    }
  }

  function keepDraft() {
    var fields = differences(answers(false), saved);
    if (isEmpty(fields)) {
      dropDraft();
      return;
    }
    try {
      window.localStorage.setItem(draftKey, JSON.stringify({ at: Date.now(), fields: fields }));
    } catch (error) {
      // No storage: the autosave and the question before leaving still guard the typing.
    }
  }

  function fill(fields) {
    Object.keys(fields).forEach(function (name) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name !== name || !isAnswer(field)) {
          return;
        }
        if (field.type === "radio" || field.type === "checkbox") {
          field.checked = field.value === fields[name];
          if (field.checked) {
            preview(field);
          }
        } else {
          field.value = fields[name];
        }
      });
    });
  }

  /* A draft this page does not show (sent as the page was left, but never answered; or not
     sent at all) is offered back; one the page already shows is done with. */
  function offerDraft() {
    var draft = readDraft();
    if (!draft) {
      return;
    }
    var now = answers(false);
    var missing = Object.keys(draft.fields).some(function (name) {
      return name in now && !same(name, now[name], draft.fields[name]);
    });
    if (!missing) {
      if (saved !== null) {
        dropDraft();
      }
      return;
    }
    // Just left and come back (a reload): this page may have been read a moment before the
    // save sent as the last one went had been written. Read it once more before offering.
    var again = "kkr-report-draft-read-again:" + window.location.pathname;
    try {
      if (Date.now() - draft.at < FRESH && !window.sessionStorage.getItem(again)) {
        window.sessionStorage.setItem(again, "1");
        window.setTimeout(function () {
          window.location.reload();
        }, 700);
        return;
      }
      window.sessionStorage.removeItem(again);
    } catch (error) {
      // No session storage: offered at once.
    }
    if (!offer) {
      return;
    }
    var when = new Date(draft.at).toLocaleString(document.documentElement.lang || undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    });
    var text = offer.querySelector("[data-draft-text]");
    text.textContent = text.getAttribute("data-template").replace("{when}", when);
    offer.hidden = false;
    offer.querySelector("[data-draft-use]").addEventListener("click", function () {
      offer.hidden = true;
      fill(draft.fields);
      changed({ target: form.querySelector("textarea, input:not([type=hidden])") });
    });
    offer.querySelector("[data-draft-drop]").addEventListener("click", function () {
      offer.hidden = true;
      dropDraft();
    });
  }

  // --- the line's preview -------------------------------------------------------------------

  function preview(field) {
    if (field.type !== "radio" || !/-status$/.test(field.name)) {
      return;
    }
    var line = field.closest(".line");
    var shown = line && line.querySelector("[data-will-be]");
    var made = line && line.querySelector("template[data-will-be-for='" + field.value + "']");
    if (!shown || !made) {
      return;
    }
    var cell = shown.querySelector("[data-will-be-cell]");
    cell.replaceChildren(made.content.cloneNode(true));
    shown.hidden = false;
  }

  // --- a file too large --------------------------------------------------------------------

  /* Whether the file input holds a file to save. One over the limit (the input's
     data-max-bytes) is taken off the input at once, with the sentence beside it: sent, the
     server would refuse the whole save, typing and all. */
  function fileChosen(field) {
    if (!field.files || !field.files.length) {
      return false; // nothing chosen (or the file just let go of: the sentence stays)
    }
    var limit = parseInt(field.getAttribute("data-max-bytes"), 10);
    if (!limit) {
      return true;
    }
    var box = field.closest(".field") || field.parentNode;
    var shown = box.querySelector("[data-size-error]");
    var large = Array.prototype.filter.call(field.files, function (file) {
      return file.size > limit;
    });
    if (shown) {
      shown.remove();
      box.classList.remove("has-error");
      field.removeAttribute("aria-invalid");
    }
    if (!large.length) {
      return true;
    }
    field.value = "";
    var list = document.createElement("ul");
    list.className = "errorlist";
    list.setAttribute("data-size-error", "");
    list.setAttribute("role", "alert");
    var item = document.createElement("li");
    item.textContent = field.getAttribute("data-too-large").split("{name}").join(large[0].name);
    list.appendChild(item);
    box.appendChild(list);
    box.classList.add("has-error");
    field.setAttribute("aria-invalid", "true");
    return false;
  }

  // --- saving -------------------------------------------------------------------------------

  function changed(event) {
    var field = event.target;
    if (!field || !field.name || field.name === "version" || leaving) {
      return;
    }
    if (isFileField(field)) {
      // A file chosen, or "remove file" ticked: saved by the buttons only.
      if (field.type !== "file" || fileChosen(field)) {
        filesTouched = true;
      }
      return;
    }
    preview(field);
    keepDraft();
    if (stopped) {
      return;
    }
    window.clearTimeout(timer);
    if (valuesUnsaved()) {
      say(form.getAttribute("data-msg-unsaved"), "unsaved");
      timer = window.setTimeout(save, delay);
    } else {
      // Back to what the server has (a click elsewhere, or typing undone): nothing to send.
      timer = null;
      say(savedText, savedText ? "saved" : "");
    }
  }

  function finished() {
    saving = false;
    if (waitingSubmitter !== null) {
      var button = waitingSubmitter;
      waitingSubmitter = null;
      form.requestSubmit(button === true ? undefined : button);
    }
  }

  function save(asLeaving) {
    timer = null;
    if (stopped || leaving || !valuesUnsaved()) {
      return false;
    }
    if (saving) {
      // As the page goes, a second save with the same version would be refused as stale:
      // the copy in this browser keeps what the first one does not cover.
      if (asLeaving !== true) {
        timer = window.setTimeout(save, delay);
      }
      return false;
    }
    var sent = answers(false);
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
        keepalive: asLeaving === true,
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
          saved = sent;
          savedText = answer.body.status;
          keepDraft();
          if (valuesUnsaved()) {
            say(form.getAttribute("data-msg-unsaved"), "unsaved");
          } else {
            say(savedText, "saved");
          }
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
    return true;
  }

  /* The page is going (or hidden, which on a phone may be the last thing it hears). The
     same answers are sent once: beforeunload, pagehide and visibilitychange all come as a
     page goes, and the first save's answer may never reach a page being unloaded (its
     promise is rejected though the server saved it), so a second with the same version
     would only be refused as stale. */
  function goingAway() {
    if (leaving || stopped || !valuesUnsaved()) {
      return;
    }
    keepDraft();
    window.clearTimeout(timer);
    var now = JSON.stringify(answers(false));
    if (now === sentAsGoing) {
      return;
    }
    if (save(true)) {
      sentAsGoing = now;
      // Still here a second later (the reporter chose to stay, or came back to the tab): the
      // page did not go, and a later going sends again. A page that went runs no timer.
      window.setTimeout(function () {
        sentAsGoing = null;
      }, 1000);
    }
  }

  /* On a phone the sticky save bar sits over the page's bottom edge: a field focused or
     grown behind it is scrolled up above it (the browser only makes it "visible"). */
  function keepInView(event) {
    var bar = form.querySelector(".form-actions");
    var field = event.target;
    if (!bar || bar.contains(field) || !field.getBoundingClientRect) {
      return;
    }
    var overlap = field.getBoundingClientRect().bottom - bar.getBoundingClientRect().top;
    if (overlap > 0 && window.getComputedStyle(bar).position === "sticky") {
      window.scrollBy(0, overlap + 8);
    }
  }

  // --- wiring -------------------------------------------------------------------------------

  if (note) {
    note.hidden = false;
  }
  if (form.hasAttribute("data-unsaved")) {
    // The page shows input a save refused (errors, or a colleague's save to look through
    // first): not saved, and saved only by the buttons, once the user has seen why.
    stopped = true;
  } else {
    saved = answers(true);
  }
  offerDraft();

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("focusin", keepInView);
  form.addEventListener("input", keepInView);

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
    // Sent now, before the next page is asked for (pagehide comes after): reloading the
    // form then mostly finds it saved. Staying on the page just saves it sooner.
    goingAway();
    event.preventDefault();
    event.returnValue = "";
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      goingAway();
    }
  });
  window.addEventListener("pagehide", goingAway);

  // A browser that refills the fields on reload or "back" shows text the page did not come
  // with: not saved, so it is saved like anything typed. Back from the browser's cache after
  // leaving, the form may be used again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      leaving = false;
    }
    if (!stopped && valuesUnsaved()) {
      changed({ target: form.querySelector("textarea, input:not([type=hidden])") });
    }
  });
})();
