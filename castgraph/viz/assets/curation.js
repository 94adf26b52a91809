/* castgraph curation: review borderline pairs and fix entities, then save the decisions as an
 * overrides YAML file (a download: the page stays offline). `castgraph build --overrides FILE` applies it.
 * Decisions name entities by id (kept across rebuilds and --into) and surfaces as written.
 * Every text from the data goes through textContent, never innerHTML. */
(function () {
  "use strict";
  var cg = window.castgraph;
  if (!cg) return;
  var data = cg.data;
  var review = data.review || [];
  var types = ["Person", "Organization", "Product", "Concept", "Event", "Place", "Other"];
  var rules = {
    canonical: "the entity's name",
    exact: "the same name",
    normalized: "the same name once case, accents, spacing and legal suffixes are ignored",
    "alias-slash": "written together with another name of it (A / B)",
    "alias-paren": "written together with another name of it (in parentheses)",
    acronym: "an acronym written beside its long form",
    "short-form": "a short form written beside its long form",
    fuzzy: "one letter apart in a long word",
    "fuzzy+evidence": "one letter apart, and descriptions or co-mentions agree",
    article: "the same name with a leading \u201cThe\u201d, same type",
    "generic-head": "the same name with a generic word (app, platform, ...), same type",
    honorific: "the same person with a title (Dr., Prof., ...)",
    "post-nominal": "the same person with a post-nominal (PhD, ...)",
    "middle-initial+evidence": "the same person with a middle initial, tied by an episode, show, link or description",
    "nickname+evidence": "a nickname, tied by a shared episode, show, link or description",
    "cross-script+evidence": "the same name in another script, same type and corroborated",
    href: "the same person link (href) in a feed",
    override: "merged by a curation decision"
  };
  var decisions = [];
  var decided = new Set();

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function button(text, onClick, label) {
    var b = el("button", null, text);
    b.type = "button";
    if (label) b.setAttribute("data-action", label);
    b.addEventListener("click", onClick);
    return b;
  }
  function nameOf(id) {
    var found = data.nodes.find(function (n) { return n.id === id; });
    return found ? found.name : id;
  }

  // YAML text: every value a double-quoted scalar (JSON strings are valid YAML once the line and
  // paragraph separators are escaped too); names in comments lose every control character.
  function scalar(text) {
    return JSON.stringify(String(text)).replace(/[\u0085\u2028\u2029]/g, function (c) {
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    });
  }
  function comment(text) {
    return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
  }
  function toYaml() {
    var groups = { merge: [], never_merge: [], rename: [], set_type: [], split: [] };
    decisions.forEach(function (d) { groups[d.kind].push(d); });
    var lines = ["# castgraph overrides, saved from the viewer: castgraph build INPUT... --overrides FILE"];
    ["merge", "never_merge"].forEach(function (kind) {
      if (!groups[kind].length) return;
      lines.push(kind + ":");
      groups[kind].forEach(function (d) {
        lines.push("  - [" + d.ids.map(scalar).join(", ") + "]  # " + comment(d.names.join(kind === "merge" ? " = " : " \u2260 ")));
      });
    });
    [["rename", "to"], ["set_type", "type"]].forEach(function (pair) {
      var kind = pair[0];
      if (!groups[kind].length) return;
      lines.push(kind + ":");
      groups[kind].forEach(function (d) {
        lines.push("  " + scalar(d.id) + ": " + scalar(d[pair[1]]) + "  # was " + comment(d.name));
      });
    });
    if (groups.split.length) {
      lines.push("split:");
      groups.split.forEach(function (d) {
        lines.push("  - {surface: " + scalar(d.surface) + ", from: " + scalar(d.from) + "}  # out of " + comment(d.name));
      });
    }
    return lines.join("\n") + "\n";
  }

  var section = document.getElementById("curation");
  var toggle = document.getElementById("curate");
  function add(decision, key) {
    if (key) {
      if (decided.has(key)) return;
      decided.add(key);
    }
    decisions.push(decision);
    render();
  }
  function render() {
    section.replaceChildren();
    section.appendChild(el("h2", null, "Pairs to review (" + review.length + ")"));
    if (!review.length) section.appendChild(el("div", "meta", "No borderline pairs were left apart."));
    var list = el("ul", "review");
    review.forEach(function (p) {
      var key = p.left_id + "|" + p.right_id;
      var li = el("li", decided.has(key) ? "decided" : null);
      li.setAttribute("data-pair", key);
      li.appendChild(el("span", "pair", p.left_name + " \u2194 " + p.right_name));
      li.appendChild(el("span", "meta", "score " + Number(p.score).toFixed(2)));
      li.appendChild(el("span", "reason", p.reason));
      var actions = el("div", "curate-actions");
      actions.append(
        button("Same", function () {
          add({ kind: "merge", ids: [p.left_id, p.right_id], names: [p.left_name, p.right_name] }, key);
        }, "same"),
        button("Different", function () {
          add({ kind: "never_merge", ids: [p.left_id, p.right_id], names: [p.left_name, p.right_name] }, key);
        }, "different"));
      if (cg.focus) {
        actions.append(button("Show", function () { cg.focus(p.left_id) || cg.focus(p.right_id); }, "show"));
      }
      li.appendChild(actions);
      list.appendChild(li);
    });
    section.appendChild(list);
    section.appendChild(el("h2", null, "Decisions (" + decisions.length + ")"));
    var made = el("ul", "decisions");
    decisions.forEach(function (d, i) {
      var text = d.kind === "merge" ? "same: " + d.names.join(" = ")
        : d.kind === "never_merge" ? "different: " + d.names.join(" \u2260 ")
        : d.kind === "rename" ? "rename " + d.name + " \u2192 " + d.to
        : d.kind === "set_type" ? "type of " + d.name + " \u2192 " + d.type
        : "split \u201c" + d.surface + "\u201d out of " + d.name;
      var li = el("li", null, text);
      li.appendChild(button("Undo", function () {
        decisions.splice(i, 1);
        if (d.key) decided.delete(d.key);
        if (d.ids) decided.delete(d.ids[0] + "|" + d.ids[1]);
        render();
      }, "undo"));
      made.appendChild(li);
    });
    section.appendChild(made);
    var save = button("Download overrides YAML", download, "download");
    save.disabled = decisions.length === 0;
    section.appendChild(save);
    toggle.textContent = "Curate" + (decisions.length ? " (" + decisions.length + ")" : "");
  }
  function download() {
    var blob = new Blob([toYaml()], { type: "text/yaml" });
    var a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = "decisions.yaml";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  toggle.addEventListener("click", function () {
    section.hidden = !section.hidden;
    if (!section.hidden) render();
  });

  // An entity's panel: its surfaces and why each was merged, and the decisions about it.
  cg.onEntityPanel = function (n, panel) {
    var surfaces = n.surfaces || [];
    panel.appendChild(el("h3", null, "Surfaces (" + surfaces.length + ")"));
    var ul = el("ul", "surfaces");
    surfaces.forEach(function (s) {
      var li = el("li");
      li.setAttribute("data-surface", s[0]);
      li.appendChild(el("span", null, "\u201c" + s[0] + "\u201d \u00d7" + s[3]));
      li.appendChild(el("span", "why", (rules[s[1]] || s[1]) + " (" + s[1] + ", score " + Number(s[2]).toFixed(2) + ")"));
      if (surfaces.length > 1) {
        var key = "split|" + n.id + "|" + s[0];
        var b = button(decided.has(key) ? "Split out \u2713" : "Split out", function () {
          add({ kind: "split", surface: s[0], from: n.id, name: n.name, key: key }, key);
          b.textContent = "Split out \u2713";
        }, "split");
        li.appendChild(b);
      }
      ul.appendChild(li);
    });
    panel.appendChild(ul);
    var rename = el("div", "edit");
    var input = el("input");
    input.value = n.name;
    input.setAttribute("aria-label", "New name");
    rename.append(input, button("Rename", function () {
      var to = input.value.trim();
      if (to && to !== n.name) add({ kind: "rename", id: n.id, name: n.name, to: to });
    }, "rename"));
    panel.appendChild(rename);
    var retype = el("div", "edit");
    var select = el("select");
    select.setAttribute("aria-label", "Type");
    types.forEach(function (t) {
      var o = el("option", null, t);
      o.value = t;
      if (t === n.type) o.selected = true;
      select.appendChild(o);
    });
    retype.append(select, button("Set type", function () {
      if (select.value !== n.type) add({ kind: "set_type", id: n.id, name: n.name, type: select.value });
    }, "set-type"));
    panel.appendChild(retype);
  };
  cg.decisions = function () { return decisions.slice(); };
  cg.overridesYaml = toYaml;
  cg.nameOf = nameOf;
})();
