// Small behaviours the pages share. Loaded after htmx and Bootstrap; no inline scripts (CSP).
// Everything here is an enhancement: without it every form still posts and every link still works.
//
// - the case page's split view: the side panel (document viewer, facts, evidence, timeline) beside
//   the checklist on wide screens, a panel to open on tablets; a page reference opens the viewer;
// - the checklist's keyboard shortcuts (j/k, m/n/d/a, p, Shift+P, e, o, f, v, ?), announced;
// - several files uploaded together: a row per file for its own type, date and source;
// - the session: a warning before it ends for inactivity ("stay signed in"), and when it ends, the
//   text typed in unsaved forms is handed to the server, which keeps it for after signing in;
// - intake: "use as trial case" fills the field from the member's cases.
(function () {
  "use strict";

  const WIDE = window.matchMedia("(min-width: 1200px)");

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // --- the live region ------------------------------------------------------------------------

  function announce(text) {
    const region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";
    // A new text node in a later task, so the same words said twice are read twice.
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // --- unsaved typing -------------------------------------------------------------------------

  // A single select with no option marked selected shows its first one: that is not a change.
  function selectChanged(select) {
    const options = Array.from(select.options);
    if (select.multiple) return options.some(function (option) { return option.selected !== option.defaultSelected; });
    const marked = options.findIndex(function (option) { return option.defaultSelected; });
    return select.selectedIndex !== (marked === -1 ? 0 : marked);
  }

  // A posting form holds something typed (or chosen) and not yet saved.
  function formTyped(form) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return false;
    return Array.from(form.elements).some(function (element) {
      if (element.type === "hidden" || element.type === "file" || !element.name) return false;
      if (element.type === "radio" || element.type === "checkbox") return element.checked !== element.defaultChecked;
      if (element.tagName === "SELECT") return selectChanged(element);
      return element.value !== element.defaultValue;
    });
  }

  // A choice of documents refreshed after an upload (a row's, a fact's). Left to htmx, the new
  // options move one by one out of a parsed select, which selects the last one left, so the new
  // document would come in selected and the next save would link it unasked. The options are
  // put in at once instead: "choose" stays selected, or what the reviewer had chosen.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    const target = event.detail.target;
    const fresh = event.detail.fragment;
    if (!target || target.tagName !== "SELECT" || !fresh || fresh.tagName !== "SELECT") return;
    const chosen = selectChanged(target) ? target.value : null;
    event.detail.shouldSwap = false;
    target.innerHTML = fresh.innerHTML;
    if (chosen !== null) {
      target.value = chosen;
      if (target.selectedIndex === -1) target.selectedIndex = 0;
    }
  });

  // The checklist refreshed as a whole (after a suggested fact is accepted from the documents):
  // a row with unsaved typing stays as it is, typing and all (saving it later against a changed
  // row is refused as a conflict, with the typing kept); everything else takes the new version.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    const target = event.detail.target;
    const fresh = event.detail.fragment;
    if (!target || target.id !== "checklist" || !fresh || !fresh.querySelector) return;
    target.querySelectorAll("li.criterion-row").forEach(function (row) {
      if (!row.id || !Array.from(row.querySelectorAll("form")).some(formTyped)) return;
      const incoming = fresh.querySelector("#" + CSS.escape(row.id));
      if (incoming) incoming.replaceWith(row);
    });
  });

  // --- the split view -------------------------------------------------------------------------

  function layout() { return document.querySelector(".case-layout"); }

  function showTab(tabId) {
    const button = document.getElementById(tabId);
    if (button && window.bootstrap) window.bootstrap.Tab.getOrCreateInstance(button).show();
  }

  function setAsideOpen(open) {
    const box = layout();
    if (!box) return;
    box.classList.toggle("aside-open", open);
    document.querySelectorAll(".aside-toggle").forEach(function (toggle) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? "Hide documents and facts" : "Show documents and facts";
    });
  }

  function openAside(tabId, focusPane) {
    if (!document.getElementById("case-aside")) return false;
    if (!WIDE.matches) setAsideOpen(true);
    showTab(tabId);
    if (focusPane) {
      const button = document.getElementById(tabId);
      const pane = button && document.querySelector(button.getAttribute("data-bs-target"));
      if (pane) pane.focus({ preventScroll: false });
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest(".aside-toggle");
    if (toggle) {
      const open = !layout().classList.contains("aside-open");
      setAsideOpen(open);
      if (open) document.getElementById("case-aside").focus();
      return;
    }
    if (event.target.closest(".aside-close")) {
      setAsideOpen(false);
      const back = document.querySelector(".aside-toggle");
      if (back) back.focus();
      return;
    }
    const tabLink = event.target.closest("[data-aside-tab]");
    if (tabLink && openAside(tabLink.getAttribute("data-aside-tab"), true)) {
      event.preventDefault();
      return;
    }
    const reference = event.target.closest('a[target="evidence-viewer"]');
    if (reference && document.getElementById("evidence-viewer")) {
      // The link itself loads the document into the viewer frame (at its page); show the frame.
      openAside("tab-viewer", false);
      const help = document.getElementById("viewer-help");
      if (help) help.textContent = "Showing " + reference.textContent.replace(/\s+/g, " ").trim() + ".";
    }
  });

  WIDE.addEventListener("change", function () { if (WIDE.matches) setAsideOpen(false); });

  // An address naming a side panel's section (/cases/7/#pane-evidence, or a toolbar link
  // followed before this script had run) opens that section's tab.
  function openPaneOfHash() {
    const id = window.location.hash.slice(1);
    const tab = id && document.querySelector('[role="tab"][data-bs-target="#' + CSS.escape(id) + '"]');
    if (tab) openAside(tab.id, false);
  }
  window.addEventListener("hashchange", openPaneOfHash);
  openPaneOfHash();

  // --- the checklist's keyboard shortcuts -----------------------------------------------------

  const STATUS_KEYS = { m: "met", n: "not_met", d: "not_documented", a: "not_applicable" };
  const STATUS_WORDS = {
    met: "met", not_met: "not met", not_documented: "not documented",
    not_applicable: "not applicable", unanswered: "unanswered", unknown: "unknown",
  };
  let currentId = null;

  function rows() { return Array.from(document.querySelectorAll("li.criterion-row")); }

  function currentRow() {
    const focused = document.activeElement && document.activeElement.closest("li.criterion-row");
    if (focused) return focused;
    return currentId ? document.getElementById(currentId) : null;
  }

  function describe(row) {
    const words = [row.dataset.label + ", criterion " + row.dataset.position + " of " + row.dataset.total];
    words.push(STATUS_WORDS[row.dataset.status] || row.dataset.status);
    if (row.dataset.proposed) words.push("the facts propose " + (STATUS_WORDS[row.dataset.proposed] || row.dataset.proposed));
    return words.join(". ") + ".";
  }

  function markCurrent(row) {
    rows().forEach(function (other) { other.classList.remove("is-current"); });
    row.classList.add("is-current");
    currentId = row.id;
  }

  function goTo(row) {
    markCurrent(row);
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "center" });
    announce(describe(row));
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const here = currentRow();
    let index = here ? all.indexOf(here) + step : (step > 0 ? 0 : all.length - 1);
    index = Math.max(0, Math.min(all.length - 1, index));
    goTo(all[index]);
  }

  function needRow() {
    const row = currentRow();
    if (!row) announce("Choose a criterion first: press j for the next one.");
    return row;
  }

  function setStatus(status) {
    const row = needRow();
    if (!row) return;
    const form = row.querySelector("form.answer-form");
    const radio = form && form.querySelector('input[name="status"][value="' + status + '"]');
    if (!radio) {
      announce(row.dataset.label + " cannot be changed here.");
      return;
    }
    radio.checked = true;
    markCurrent(row);
    form.requestSubmit();
  }

  function inTextField(target) {
    return target.closest && target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']");
  }

  function toggleShortcuts(open) {
    const list = document.getElementById("shortcuts");
    if (!list) return;
    list.open = open === undefined ? !list.open : open;
    if (list.open) list.querySelector("summary").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("[data-checklist]")) return;
    if (event.key === "Escape") {
      const list = document.getElementById("shortcuts");
      if (list && list.open) { toggleShortcuts(false); return; }
      if (layout() && layout().classList.contains("aside-open")) {
        setAsideOpen(false);
        const back = document.querySelector(".aside-toggle");
        if (back) back.focus();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || inTextField(event.target)) return;
    const key = event.key;
    let handled = true;
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (STATUS_KEYS[key]) setStatus(STATUS_KEYS[key]);
    else if (key === "p") {
      const row = needRow();
      const apply = row && row.querySelector("[data-apply]");
      if (apply) { markCurrent(row); apply.click(); }
      else if (row) announce("No proposal to apply for " + row.dataset.label + ".");
    } else if (key === "P") {
      const all = document.getElementById("apply-all-submit");
      if (all) all.click();
      else announce("No unanswered criterion is decided by its facts.");
    } else if (key === "e") {
      const row = needRow();
      const select = row && row.querySelector('select[name="evidence"]');
      if (select) select.focus();
    } else if (key === "o") {
      const row = needRow();
      const reference = row && row.querySelector("a.page-ref");
      if (reference) reference.click();
      else if (row) announce(row.dataset.label + " has no linked document.");
    } else if (key === "f") openAside("tab-facts", true);
    else if (key === "v") openAside("tab-viewer", true);
    else if (key === "?") toggleShortcuts();
    else handled = false;
    if (handled) event.preventDefault();
  });

  // A saved row is replaced by the server's: it stays the current one, with the focus.
  document.addEventListener("htmx:afterSettle", function () {
    if (!currentId) return;
    const row = document.getElementById(currentId);
    if (!row) return;
    row.classList.add("is-current");
    if (!document.activeElement || document.activeElement === document.body) row.focus({ preventScroll: true });
  });

  // --- evidence: a row per file when several are uploaded together ----------------------------

  function field(label, input) {
    const wrap = document.createElement("div");
    wrap.className = "col";
    const text = document.createElement("label");
    text.className = "form-label mb-0";
    text.htmlFor = input.id;
    text.textContent = label;
    wrap.append(text, input);
    return wrap;
  }

  document.addEventListener("change", function (event) {
    if (event.target.id !== "upload-files") return;
    const box = document.getElementById("upload-per-file");
    if (!box) return;
    box.replaceChildren();
    const files = Array.from(event.target.files || []);
    const hint = document.querySelector(".upload-shared-hint");
    if (hint) hint.textContent = files.length > 1 ? "first filled in for each file below" : "of every file";
    if (files.length < 2) return;
    const sharedType = document.getElementById("upload-type");
    const sharedDate = document.getElementById("upload-date");
    const sharedSource = document.getElementById("upload-source");
    files.forEach(function (file, index) {
      const set = document.createElement("fieldset");
      set.className = "border rounded p-2 mb-2 upload-file-row";
      const legend = document.createElement("legend");
      legend.className = "fs-6 mb-1 float-none w-auto px-1";
      legend.textContent = "File " + (index + 1) + ": " + file.name;
      const type = sharedType.cloneNode(true);
      type.id = "upload-type-" + index;
      type.name = "file_doc_type";
      type.value = sharedType.value;
      const date = document.createElement("input");
      date.type = "date";
      date.className = "form-control form-control-sm";
      date.id = "upload-date-" + index;
      date.name = "file_document_date";
      date.value = sharedDate.value;
      const source = document.createElement("input");
      source.className = "form-control form-control-sm";
      source.id = "upload-source-" + index;
      source.name = "file_source";
      source.maxLength = 160;
      source.value = sharedSource.value;
      const line = document.createElement("div");
      line.className = "row g-2";
      line.append(field("Type", type), field("Date", date), field("Source", source));
      set.append(legend, line);
      box.append(set);
    });
  });

  // --- intake: use one of the member's trial cases --------------------------------------------

  document.addEventListener("click", function (event) {
    const use = event.target.closest("[data-fill-target]");
    if (!use) return;
    const input = document.querySelector(use.getAttribute("data-fill-target"));
    if (!input) return;
    input.value = use.getAttribute("data-fill-value");
    input.focus();
    announce("Trial case " + input.value + " entered.");
  });

  // --- the session: warn before it ends; keep what is typed when it does ---------------------

  const body = document.body;
  const timeout = Number(body.dataset.sessionTimeout || 0);
  if (!timeout) return;
  const warning = Number(body.dataset.sessionWarning || 120);
  const statusUrl = body.dataset.sessionUrl;
  const draftsUrl = body.dataset.sessionDraftsUrl;
  const box = document.getElementById("session-warning");
  const countdown = document.getElementById("session-countdown");
  let timer = null;
  let ticker = null;
  let deadline = 0;
  let returnFocus = null;

  function schedule(secondsLeft) {
    window.clearTimeout(timer);
    deadline = Date.now() + secondsLeft * 1000;
    timer = window.setTimeout(check, Math.max(0, secondsLeft - warning) * 1000);
  }

  function ask(method) {
    return window.fetch(statusUrl, {
      method: method,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (!response.ok) throw new Error("signed out");
      return response.json();
    });
  }

  function spell(seconds) {
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    const parts = [];
    if (minutes) parts.push(minutes + (minutes === 1 ? " minute" : " minutes"));
    if (rest || !minutes) parts.push(rest + (rest === 1 ? " second" : " seconds"));
    return parts.join(" ");
  }

  function hideWarning() {
    window.clearInterval(ticker);
    box.hidden = true;
  }

  function showWarning(secondsLeft) {
    deadline = Date.now() + secondsLeft * 1000;
    if (box.hidden) {
      returnFocus = document.activeElement;
      box.hidden = false;
      countdown.textContent = spell(Math.max(0, Math.round(secondsLeft)));
      document.getElementById("session-stay").focus();
    }
    window.clearInterval(ticker);
    ticker = window.setInterval(function () {
      const left = Math.round((deadline - Date.now()) / 1000);
      // The visible countdown moves every second; it is not a live region, so it is not read
      // out each second (the dialog was announced once, when it appeared).
      countdown.textContent = spell(Math.max(0, left));
      if (left <= 0) {
        window.clearInterval(ticker);
        check();
      }
    }, 1000);
  }

  function check() {
    ask("GET").then(function (state) {
      if (state.expires_in > warning + 1) {
        hideWarning();
        schedule(state.expires_in);  // another tab kept the session alive
      } else if (state.expires_in >= 0) {
        showWarning(state.expires_in);
      } else {
        expire();
      }
    }).catch(expire);
  }

  function dirtyForms() {
    const typed = {};
    document.querySelectorAll("main form").forEach(function (form) {
      if (!formTyped(form)) return;
      const fields = {};
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string" && name !== "csrfmiddlewaretoken") fields[name] = value;
      });
      typed[new URL(form.action, window.location.href).pathname] = fields;
    });
    return typed;
  }

  function expire() {
    hideWarning();
    const typed = dirtyForms();
    if (!Object.keys(typed).length) {
      window.location.reload();  // the server signs out and asks to sign in, coming back here
      return;
    }
    const data = new URLSearchParams();
    data.set("csrfmiddlewaretoken", csrfToken());
    data.set("drafts", JSON.stringify(typed));
    window.fetch(draftsUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "HX-Request": "true", "HX-Current-URL": window.location.href, "X-CSRFToken": csrfToken() },
      body: data,
    }).then(function (response) {
      const next = response.headers.get("HX-Redirect");
      if (next) { window.location.assign(next); return null; }
      return response.ok ? response.json() : null;
    }).then(function (state) {
      // Still signed in after all (another tab kept it, or the clocks differ by a second).
      if (state) window.setTimeout(check, 1000);
    }).catch(function () { window.location.reload(); });
  }

  document.getElementById("session-stay").addEventListener("click", function () {
    ask("POST").then(function (state) {
      hideWarning();
      schedule(state.expires_in);
      announce("You are still signed in.");
      if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
    }).catch(expire);
  });

  // Every request the page makes is activity: the clock starts again.
  document.addEventListener("htmx:afterRequest", function () {
    if (box.hidden) schedule(timeout);
  });
  schedule(timeout);
})();
