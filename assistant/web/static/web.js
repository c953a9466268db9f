// Shared by the chat and the helpline: copy buttons, [n] links to an answer's own sources,
// and (in the chat) bringing each new answer into view above the question bar.
(function () {
  "use strict";

  function announce(text) {
    var live = document.getElementById("copy-status");
    if (!live) return;
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 60);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallback(text); });
    }
    return Promise.resolve(fallback(text));
  }

  // Without the clipboard API (plain http on another host): a hidden textarea, then focus
  // goes back to the button so keyboard users stay where they were.
  function fallback(text) {
    var back = document.activeElement;
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally {
      area.remove();
      if (back && back.focus) back.focus();
    }
  }

  function onCopy(button) {
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    copyText(button.dataset.copy || "").then(function () {
      button.textContent = "Copied";
      announce("Copied to the clipboard.");
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  }

  // An [n] opens the answer's own source card n and moves focus to it.
  function onCite(link, event) {
    var id = (link.getAttribute("href") || "").slice(1);
    var card = id && document.getElementById(id);
    if (!card) return;
    event.preventDefault();
    card.open = true;
    var summary = card.querySelector("summary");
    card.scrollIntoView({block: "center"});
    if (summary) summary.focus({preventScroll: true});
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var button = target.closest("button[data-copy]");
    if (button) { event.preventDefault(); onCopy(button); return; }
    var link = target.closest("a.cite-ref");
    if (link) onCite(link, event);
  });

  // Tab out of a Gradio dropdown loses focus: Chrome lets Tab stop on the open list of
  // options (a scrolling list), which closes as focus arrives, leaving focus on the page
  // itself; and the dropdown reopens its list after a Tab. So Tab from a dropdown is done
  // here: the list closes and focus goes to the next (or, with Shift, previous) control.
  var TABBABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "textarea:not([disabled]), select:not([disabled]), summary, [tabindex]";

  function tabbable() {
    return Array.prototype.filter.call(document.querySelectorAll(TABBABLE), function (el) {
      return el.tabIndex >= 0 && !el.closest('[role="listbox"]') && el.getClientRects().length;
    });
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Tab" || !(input instanceof HTMLInputElement)) return;
    if (input.getAttribute("role") !== "combobox") return;
    var order = tabbable();
    var next = order[order.indexOf(input) + (event.shiftKey ? -1 : 1)];
    if (!next) return;
    event.preventDefault();
    event.stopPropagation();
    next.focus();
  }, true);

  // The chat: when a question and its answer arrive, scroll the question to the top of the
  // window so the answer reads from its start; the question bar stays in view (it is sticky).
  function watchChat(tries) {
    var log = document.querySelector('#chat-log [role="log"]');
    if (!log) {
      if (tries > 0) setTimeout(function () { watchChat(tries - 1); }, 250);
      return;
    }
    var asked = log.querySelectorAll('[data-testid="user"]').length;
    new MutationObserver(function () {
      var users = log.querySelectorAll('[data-testid="user"]');
      if (users.length > asked) {
        var last = users[users.length - 1];
        var row = last.closest(".message-row") || last;
        requestAnimationFrame(function () { row.scrollIntoView({block: "start"}); });
      }
      asked = users.length;
    }).observe(log, {childList: true, subtree: true});
  }
  // Gradio builds the page after the document loads: look for the log for up to 30 s.
  watchChat(/\/chat(\/|$)/.test(location.pathname) ? 120 : 0);
})();
