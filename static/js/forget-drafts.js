/* Logging out forgets the report drafts this browser kept (static/js/report-form.js keeps
   typing not yet saved in localStorage under "kkr-report-draft:…"): at a shared municipal PC
   the next person must not be offered someone else's text. Loaded with the "Log ud" form
   (templates/includes/user_nav.html); a file, not an inline script, for the page's CSP. */
(function () {
  "use strict";

  var PREFIXES = ["kkr-report-draft:", "kkr-report-draft-read-again:"];
  var loggingOut = false;

  function forget(storage) {
    try {
      for (var i = storage.length - 1; i >= 0; i -= 1) {
        var key = storage.key(i);
        var drafted = PREFIXES.some(function (prefix) {
          return key && key.indexOf(prefix) === 0;
        });
        if (drafted) {
          storage.removeItem(key);
        }
      }
    } catch (error) {
      // No storage (private mode, blocked): nothing was kept either.
    }
  }

  function forgetDrafts() {
    forget(window.localStorage);
    forget(window.sessionStorage);
  }

  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-forget-drafts]")) {
      loggingOut = true;
      forgetDrafts();
    }
  });
  // The report form keeps what is unsaved as its page goes (its own pagehide, registered
  // before this one): logging out from it, that copy is forgotten too.
  window.addEventListener("pagehide", function () {
    if (loggingOut) {
      forgetDrafts();
    }
  });
})();
