// The trace browser's behaviour: filter rows, live polling, the keyboard tree, copy buttons.
"use strict";

(function () {
  const LIVE_KEY = "events-ui-live";

  // ---- filter builder ------------------------------------------------------------------
  function initFilters() {
    document.querySelectorAll("form.filters").forEach((form) => {
      const rows = form.querySelector("[data-filter-rows]");
      form.addEventListener("click", (ev) => {
        const add = ev.target.closest("[data-add-row]");
        const remove = ev.target.closest("[data-remove-row]");
        if (add) {
          const last = rows.querySelector("[data-filter-row]:last-child");
          const copy = last.cloneNode(true);
          copy.querySelectorAll("input").forEach((i) => { i.value = ""; });
          copy.querySelectorAll("select").forEach((s) => { s.selectedIndex = s.name === "op" ? 2 : 0; });
          rows.appendChild(copy);
          copy.querySelector("input").focus();
        } else if (remove) {
          const row = remove.closest("[data-filter-row]");
          if (rows.children.length > 1) { row.remove(); }
          else { row.querySelectorAll("input").forEach((i) => { i.value = ""; }); }
        }
      });
      const range = form.querySelector("[data-range]");
      const custom = form.querySelector("[data-custom]");
      if (range && custom) {
        range.addEventListener("change", () => { custom.hidden = range.value !== "custom"; });
      }
    });
  }

  // ---- copy buttons ----------------------------------------------------------------------
  function copyText(text, button) {
    const done = () => {
      button.classList.add("done");
      const old = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = old; button.classList.remove("done"); }, 1200);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text) && done());
    } else if (fallbackCopy(text)) { done(); }
  }
  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  document.addEventListener("click", (ev) => {
    const button = ev.target.closest("button[data-copy], button[data-copy-url]");
    if (!button) { return; }
    ev.stopPropagation();
    copyText(button.hasAttribute("data-copy-url") ? location.href : button.dataset.copy, button);
  });

  // ---- the event tree --------------------------------------------------------------------
  const tree = { expanded: new Map(), selected: null };

  function treeEl() { return document.querySelector("[data-tree]"); }
  function rowsOf(el) { return Array.from(el.querySelectorAll('[role="treeitem"]')); }
  function visibleRows(el) { return rowsOf(el).filter((r) => !r.hidden); }

  // Hide every row under a collapsed ancestor (rows come in depth-first order).
  function applyVisibility(el) {
    let hideBelow = Infinity;
    for (const row of rowsOf(el)) {
      const depth = Number(row.dataset.depth);
      if (depth <= hideBelow) { hideBelow = Infinity; }
      row.hidden = depth > hideBelow;
      if (!row.hidden && row.getAttribute("aria-expanded") === "false") { hideBelow = depth; }
    }
  }

  function setExpanded(row, open) {
    if (!row.hasAttribute("aria-expanded")) { return; }
    row.setAttribute("aria-expanded", open ? "true" : "false");
    tree.expanded.set(row.dataset.id, open);
    applyVisibility(treeEl());
  }

  function focusRow(row) {
    const el = treeEl();
    rowsOf(el).forEach((r) => { r.tabIndex = -1; });
    row.tabIndex = 0;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function select(row) {
    const pane = document.querySelector("[data-detail]");
    const shown = pane.querySelector("article[data-event-id]");
    if (tree.selected === row.dataset.id && shown && shown.dataset.eventId === row.dataset.id) { return; }
    const el = treeEl();
    rowsOf(el).forEach((r) => r.setAttribute("aria-selected", "false"));
    row.setAttribute("aria-selected", "true");
    tree.selected = row.dataset.id;
    const url = new URL(location.href);
    url.searchParams.set("event", row.dataset.id);
    history.replaceState(null, "", url);
    fetch(`/ui/events/${encodeURIComponent(row.dataset.id)}/detail`, { credentials: "same-origin" })
      .then((r) => {
        if (r.status === 401) { location.reload(); return null; }
        return r.ok ? r.text() : `<p class="errors">Could not load the event (${r.status}).</p>`;
      })
      .then((html) => { if (html !== null && tree.selected === row.dataset.id) { pane.innerHTML = html; } });
  }

  function parentRow(row) {
    return row.dataset.parent ? document.getElementById(`ev-${row.dataset.parent}`) : null;
  }

  function onTreeKey(ev) {
    const row = ev.target.closest('[role="treeitem"]');
    if (!row) { return; }
    const rows = visibleRows(treeEl());
    const at = rows.indexOf(row);
    const open = row.getAttribute("aria-expanded");
    let next = null;
    switch (ev.key) {
      case "ArrowDown": next = rows[at + 1]; break;
      case "ArrowUp": next = rows[at - 1]; break;
      case "Home": next = rows[0]; break;
      case "End": next = rows[rows.length - 1]; break;
      case "ArrowRight":
        if (open === "false") { setExpanded(row, true); }
        else if (open === "true") { next = rows[at + 1]; }
        break;
      case "ArrowLeft":
        if (open === "true") { setExpanded(row, false); } else { next = parentRow(row); }
        break;
      case "Enter": case " ": select(row); break;
      default: return;
    }
    ev.preventDefault();
    if (next) { focusRow(next); }
  }

  function onTreeClick(ev) {
    const row = ev.target.closest('[role="treeitem"]');
    if (!row) { return; }
    if (ev.target.closest(".twisty")) {
      setExpanded(row, row.getAttribute("aria-expanded") === "false");
      focusRow(row);
      return;
    }
    focusRow(row);
    select(row);
  }

  // After a live refresh: keep what the user expanded, collapsed, selected and focused.
  function restoreTree(hadFocus) {
    const el = treeEl();
    if (!el) { return; }
    for (const [id, open] of tree.expanded) {
      const row = document.getElementById(`ev-${id}`);
      if (row && row.hasAttribute("aria-expanded")) { row.setAttribute("aria-expanded", open ? "true" : "false"); }
    }
    applyVisibility(el);
    if (tree.selected) {
      const row = document.getElementById(`ev-${tree.selected}`);
      if (row) {
        rowsOf(el).forEach((r) => { r.setAttribute("aria-selected", "false"); r.tabIndex = -1; });
        row.setAttribute("aria-selected", "true");
        row.tabIndex = 0;
      }
    }
    if (hadFocus) {
      const target = document.getElementById(hadFocus);
      if (target && !target.hidden) { target.focus({ preventScroll: true }); }
    }
  }

  function initTree() {
    const container = document.querySelector(".trace-pane");
    if (!container) { return; }
    container.addEventListener("keydown", onTreeKey);
    container.addEventListener("click", onTreeClick);
    const selected = document.querySelector('[role="treeitem"][aria-selected="true"]');
    if (selected) { tree.selected = selected.dataset.id; selected.scrollIntoView({ block: "nearest" }); }
  }

  // ---- live updates ----------------------------------------------------------------------
  function initLive() {
    const toggle = document.querySelector("[data-live]");
    const target = document.querySelector("[data-live-target]");
    if (!toggle || !target) { return; }
    const status = document.querySelector("[data-live-status]");
    toggle.checked = localStorage.getItem(LIVE_KEY) !== "off";
    toggle.addEventListener("change", () => {
      localStorage.setItem(LIVE_KEY, toggle.checked ? "on" : "off");
      status.textContent = toggle.checked ? "" : "paused";
      if (toggle.checked) { poll(); }
    });
    if (!toggle.checked) { status.textContent = "paused"; }
    let last = null;
    let busy = false;
    const interval = Number(document.body.dataset.pollMs || 2000);
    async function poll() {
      if (busy || !toggle.checked || document.hidden) { return; }
      busy = true;
      try {
        const url = new URL(target.dataset.liveUrl, location.href);
        url.searchParams.set("fragment", "1");
        const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
        if (response.status === 401) { location.reload(); return; }
        if (!response.ok) { status.textContent = `error ${response.status}`; return; }
        const html = await response.text();
        if (last === null) { last = html; }
        if (html !== last) {
          last = html;
          const focused = document.activeElement && target.contains(document.activeElement) ? document.activeElement.id : null;
          target.innerHTML = html;
          if (target.dataset.onUpdate === "trace") { restoreTree(focused); }
        }
        status.textContent = `updated ${new Date().toLocaleTimeString()}`;
      } catch (err) {
        status.textContent = "offline";
      } finally {
        busy = false;
      }
    }
    setInterval(poll, interval);
    poll();
  }

  document.addEventListener("DOMContentLoaded", () => {
    initFilters();
    initTree();
    initLive();
  });
})();
