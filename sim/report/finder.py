"""Finding an account among the timelines: filters by profile and status, a search by account id, and pages.

Without scripts every row is shown and the finder stays hidden (the browser's find-in-page still finds an id);
the one small inline script below shows the finder and pages through the matching rows. It reads the rows' data-*
attributes and writes only textContent and the `hidden` flags: nothing it shows is parsed as HTML, nothing fetched.
"""

from __future__ import annotations

from collections import Counter

from .text import esc

PAGE_SIZE = 25


def _options(counts: Counter[str], total: int) -> str:
    options = [f'<option value="">all ({total:,})</option>']
    options += [f'<option value="{esc(k)}">{esc(k)} ({n:,})</option>' for k, n in sorted(counts.items())]
    return "".join(options)


def finder(profiles: Counter[str], statuses: Counter[str], total: int) -> str:
    return (
        '<div class="finder" hidden>'
        f'<label>Profile <select data-f="profile">{_options(profiles, total)}</select></label>'
        f'<label>Status <select data-f="status">{_options(statuses, total)}</select></label>'
        '<label>Account <input type="search" data-f="id" placeholder="part of an id" autocomplete="off" spellcheck="false"></label>'
        "</div>"
        f'<p class="finder-count" aria-live="polite">All {total:,} accounts, by id.</p>'
    )


def pager() -> str:
    return (
        '<div class="pager" hidden><button type="button" data-step="-1">‹ Previous</button>'
        '<span class="page-of"></span><button type="button" data-step="1">Next ›</button></div>'
    )


_SCRIPT = """
(function () {
  var box = document.getElementById("tl");
  if (!box || !box.querySelector(".finder")) return;
  var rows = Array.prototype.slice.call(box.querySelectorAll(".tl-row"));
  var fields = Array.prototype.slice.call(box.querySelectorAll("[data-f]"));
  var count = box.querySelector(".finder-count"), pagers = box.querySelectorAll(".pager");
  var size = PAGE_SIZE, page = 0;
  function show() {
    var want = {};
    fields.forEach(function (f) { want[f.getAttribute("data-f")] = f.value.trim().toLowerCase(); });
    var hits = rows.filter(function (r) {
      return (!want.profile || r.getAttribute("data-profile").toLowerCase() === want.profile) &&
        (!want.status || r.getAttribute("data-status").toLowerCase() === want.status) &&
        (!want.id || r.getAttribute("data-id").indexOf(want.id) >= 0);
    });
    var pages = Math.max(1, Math.ceil(hits.length / size));
    page = Math.min(Math.max(page, 0), pages - 1);
    var from = page * size, shown = hits.slice(from, from + size);
    rows.forEach(function (r) { r.hidden = true; });
    shown.forEach(function (r) { r.hidden = false; });
    count.textContent = !hits.length ? "No account matches." :
      "Accounts " + (from + 1) + "–" + (from + shown.length) + " of " + hits.length +
      (hits.length < rows.length ? " matching (" + rows.length + " in all)" : "") + ", by id.";
    Array.prototype.forEach.call(pagers, function (p) {
      p.hidden = pages < 2;
      p.querySelector(".page-of").textContent = "page " + (page + 1) + " of " + pages;
      p.querySelector("[data-step='-1']").disabled = page === 0;
      p.querySelector("[data-step='1']").disabled = page >= pages - 1;
    });
  }
  fields.forEach(function (f) { f.addEventListener("input", function () { page = 0; show(); }); });
  Array.prototype.forEach.call(box.querySelectorAll("[data-step]"), function (b) {
    b.addEventListener("click", function () {
      page += Number(b.getAttribute("data-step"));
      show();
      if (box.getBoundingClientRect().top < 0) box.scrollIntoView();
    });
  });
  box.querySelector(".finder").hidden = false;
  show();
})();
""".replace("PAGE_SIZE", str(PAGE_SIZE))


def finder_script() -> str:
    return f"<script>{_SCRIPT}</script>"
