/* Rule editor: the ordered list (reorder, enable, delete) and a form that builds a rule from
 * the API's vocabulary, so nobody types JSON. Errors come back with paths such as
 * "conditions[1].value" and are shown beside the row they name. Text from the API or from
 * customers is inserted with textContent only. */
(function () {
  "use strict";
  const { api } = window.murmur;
  const choices = JSON.parse(document.getElementById("choices").textContent);
  const $ = (s) => document.querySelector(s);
  const state = { vocab: null, fields: new Map(), actions: new Map(), agents: [], rules: [], editing: null };

  const OP_TEXT = {
    equals: t("is"), not_equals: t("is not"), contains: t("contains"), not_contains: t("does not contain"),
    matches: t("matches pattern"), is_set: t("is set"), in: t("is one of"), not_in: t("is none of"),
    gt: ">", gte: "≥", lt: "<", lte: "≤", between: t("is between"), changed_to: t("changes to"),
  };
  const TRIGGER_TEXT = {
    "message.created": t("a message arrives"), "conversation.updated": t("a conversation is updated"),
    "time.passed": t("time passes (SLA timers)"),
  };
  const ACTION_TEXT = {
    set_priority: t("Set priority"), add_label: t("Add label"), remove_label: t("Remove label"), assign_team: t("Assign to team"),
    assign_agent: t("Assign to agent"), escalate: t("Escalate"), notify: t("Notify"), send_canned: t("Send canned reply"),
    snooze: t("Snooze"), resolve: t("Resolve"),
  };

  // the vocabulary's field groups and labels come from the server in English; these are their names to read
  const GROUP_NAMES = { message: t("message"), author: t("author"), customer: t("customer"),
    conversation: t("conversation"), time: t("time") };
  function fieldLabel(f) { return t(f.label); }

  const { el } = window.murmur;
  const option = (value, text, selected) => el("option", { value: String(value), text, selected: !!selected });


  /* ---------- the list ---------- */

  async function loadRules() {
    state.rules = (await api("/api/rules")).rules;
    renderRules();
  }

  function say(text) { $("#list-result").textContent = text; }

  async function move(from, to) {
    if (to < 0 || to >= state.rules.length || from === to) return;
    const ids = state.rules.map((r) => r.id);
    const [id] = ids.splice(from, 1);
    ids.splice(to, 0, id);
    try {
      state.rules = (await api("/api/rules/order", "PUT", { ids })).rules;
      renderRules();
      say(t("Moved “{name}” to position {n}.", { name: state.rules[to].name, n: to + 1 }));
    } catch (e) { say(t("Not moved: {error}", { error: e.message })); loadRules(); }
  }

  function renderRules() {
    const list = $("#rule-list");
    let dragFrom = null;
    list.replaceChildren(...state.rules.map((r, i) => {
      const toggle = el("input", { type: "checkbox", checked: r.enabled, "aria-label": t("Enabled: {name}", { name: r.name }) });
      toggle.addEventListener("change", async () => {
        toggle.disabled = true;
        try {
          await api(`/api/rules/${r.id}`, "PATCH", { enabled: toggle.checked });
          say(toggle.checked ? t("“{name}” enabled.", { name: r.name }) : t("“{name}” disabled.", { name: r.name }));
        } catch (e) { say(t("Not changed: {error}", { error: e.message })); }
        loadRules();
      });
      const up = el("button", { type: "button", class: "icon", text: "↑", title: t("Move up"), "aria-label": t("Move {name} up", { name: r.name }), disabled: i === 0 });
      const down = el("button", { type: "button", class: "icon", text: "↓", title: t("Move down"), "aria-label": t("Move {name} down", { name: r.name }),
        disabled: i === state.rules.length - 1 });
      up.addEventListener("click", () => move(i, i - 1));
      down.addEventListener("click", () => move(i, i + 1));
      const edit = el("button", { type: "button", text: t("Edit") });
      edit.addEventListener("click", () => loadIntoEditor(r));
      const del = el("button", { type: "button", class: "danger", text: t("Delete") });
      del.addEventListener("click", async () => {
        if (!window.confirm(t("Delete the rule “{name}”? Its past runs stay on the conversations.", { name: r.name }))) return;
        try { await api(`/api/rules/${r.id}`, "DELETE"); say(t("Deleted “{name}”.", { name: r.name })); }
        catch (e) { say(t("Not deleted: {error}", { error: e.message })); }
        if (state.editing === r.id) resetEditor();
        loadRules();
      });
      const li = el("li", { class: "rule-item" + (r.enabled ? "" : " off") + (state.editing === r.id ? " editing" : ""),
        draggable: true, "data-id": String(r.id) },
        el("span", { class: "handle", text: "⋮⋮", title: t("Drag to reorder"), "aria-hidden": "true" }),
        el("span", { class: "pos", text: String(i + 1) }),
        el("div", { class: "rule-text" },
          el("div", { class: "rule-name", text: r.name }),
          el("div", { class: "rule-desc", text: describe(r) })),
        el("label", { class: "switch" }, toggle, el("span", { text: r.enabled ? t("on") : t("off") })),
        el("span", { class: "rule-buttons" }, up, down, edit, del));
      li.addEventListener("dragstart", (ev) => { dragFrom = i; li.classList.add("dragging"); ev.dataTransfer.effectAllowed = "move"; });
      li.addEventListener("dragend", () => li.classList.remove("dragging"));
      li.addEventListener("dragover", (ev) => { ev.preventDefault(); li.classList.add("drop"); });
      li.addEventListener("dragleave", () => li.classList.remove("drop"));
      li.addEventListener("drop", (ev) => { ev.preventDefault(); li.classList.remove("drop"); if (dragFrom !== null) move(dragFrom, i); });
      return li;
    }));
    if (!state.rules.length) list.append(el("li", { class: "empty", text: t("No rules yet.") }));
  }

  /* ---------- value inputs that fit the field's type ---------- */

  function idChoices(fieldOrParam) {
    if (/team_id$/.test(fieldOrParam)) {
      return choices.teams.map((tm) => [tm.id, tm.archived ? t("{name} (archived)", { name: tm.name }) : tm.name]);
    }
    if (/(assignee_id|agent_id)$/.test(fieldOrParam)) return state.agents.map((a) => [a.id, `${a.name} (${a.role})`]);
    if (fieldOrParam === "canned_id") {
      return choices.canned.map((c) => [c.id, c.team ? t("{shortcut} · {team}", { shortcut: c.name, team: c.team })
        : t("{shortcut} · all teams", { shortcut: c.name })]);
    }
    return null;
  }

  function boolSelect(value, label) {
    const s = el("select", { class: "v", "aria-label": label });
    s.append(option("true", t("yes"), value !== false), option("false", t("no"), value === false));
    return s;
  }

  function valueBox(field, op, value) {
    const box = el("span", { class: "value-box" });
    const label = t("Value for {field}", { field: fieldLabel(field) });
    if (op === "is_set") { box.append(boolSelect(value, label)); return box; }
    if (op === "between") {
      const [lo, hi] = Array.isArray(value) ? value : [null, null];
      box.append(el("input", { type: "number", step: "any", class: "v lo", value: lo ?? "", "aria-label": t("{field}: from", { field: label }) }),
        el("span", { class: "and", text: t("and") }),
        el("input", { type: "number", step: "any", class: "v hi", value: hi ?? "", "aria-label": t("{field}: to", { field: label }) }));
      return box;
    }
    const list = op === "in" || op === "not_in";
    if (field.type === "enum") {
      const s = el("select", { class: "v", multiple: list, "aria-label": label });
      const chosen = new Set(list ? (value || []) : [value]);
      field.choices.forEach((c, i) => s.append(option(c, c, chosen.has(c) || (!list && value == null && i === 0))));
      if (list) s.size = Math.min(field.choices.length, 4);
      box.append(s);
      return box;
    }
    if (field.type === "id") {
      const opts = idChoices(field.name);
      if (opts && !list) {
        const s = el("select", { class: "v", "aria-label": label, "data-kind": "id" });
        opts.forEach(([id, text]) => s.append(option(id, text, id === value)));
        box.append(s);
        return box;
      }
      box.append(el("input", { class: "v", "data-kind": list ? "ids" : "id", value: list ? (value || []).join(", ") : (value ?? ""),
        placeholder: list ? t("ids, comma separated") : t("id"), "aria-label": label }));
      return box;
    }
    if (field.type === "bool") { box.append(boolSelect(value, label)); return box; }
    if (field.type === "number") {
      box.append(el("input", { type: "number", step: "any", class: "v", value: value ?? "", "aria-label": label }));
      return box;
    }
    if (list) {
      box.append(el("input", { class: "v", "data-kind": "list", value: (value || []).join(", "), placeholder: t("values, comma separated"),
        "aria-label": label }));
      return box;
    }
    box.append(el("input", { class: "v", value: value ?? "", "aria-label": label,
      list: field.type === "list" ? "label-names" : null,
      placeholder: op === "matches" ? t("regular expression") : field.type === "list" ? t("label") : "" }));
    return box;
  }

  function readValue(row, field, op) {
    const inputs = row.querySelectorAll(".value-box .v");
    const num = (s) => (s === "" ? null : Number(s));
    if (op === "is_set" || (field.type === "bool" && inputs[0].tagName === "SELECT")) return inputs[0].value === "true";
    if (op === "between") return [num(inputs[0].value), num(inputs[1].value)];
    const input = inputs[0];
    if (input.multiple) return [...input.selectedOptions].map((o) => o.value);
    const kind = input.dataset.kind;
    const split = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
    if (kind === "id") return input.value === "" ? null : Number(input.value);
    if (kind === "ids") return split(input.value).map(Number);
    if (kind === "list") return split(input.value);
    if (field.type === "number") return num(input.value);
    return input.value;
  }

  /* ---------- condition rows ---------- */

  function operatorsFor(field) {
    const trigger = $("#rule-trigger").value;
    return field.operators.filter((op) => op !== "changed_to" || trigger === "conversation.updated");
  }

  function conditionRow(cond) {
    const c = cond || {};
    const li = el("li", { class: "row cond-row" });
    const fieldSel = el("select", { class: "field", "aria-label": t("Field") });
    let group = "";
    let optgroup = null;
    for (const f of state.vocab.fields) {
      const g = f.name.split(".")[0];
      if (g !== group) { group = g; optgroup = el("optgroup", { label: GROUP_NAMES[g] || g }); fieldSel.append(optgroup); }
      optgroup.append(el("option", { value: f.name, text: fieldLabel(f), title: f.help || fieldLabel(f), selected: f.name === c.field }));
    }
    const opSel = el("select", { class: "op", "aria-label": t("Operator") });
    const slot = el("span", { class: "value-slot" });
    const remove = el("button", { type: "button", class: "icon remove", text: "✕", "aria-label": t("Remove condition") });
    const err = el("p", { class: "field-error row-error", role: "alert" });

    function fillOps(keepOp, keepValue) {
      const field = state.fields.get(fieldSel.value);
      const ops = operatorsFor(field);
      const op = ops.includes(keepOp) ? keepOp : ops[field.type === "text" ? ops.indexOf("contains") : 0];
      opSel.replaceChildren(...ops.map((o) => option(o, OP_TEXT[o] || o, o === op)));
      slot.replaceChildren(valueBox(field, op, keepValue));
      li.title = field.help || fieldLabel(field);
    }
    fieldSel.addEventListener("change", () => { fillOps(null, null); changed(); });
    opSel.addEventListener("change", () => {
      const field = state.fields.get(fieldSel.value);
      slot.replaceChildren(valueBox(field, opSel.value, null));
      changed();
    });
    remove.addEventListener("click", () => { li.remove(); changed(); });
    li.refresh = () => {
      const field = state.fields.get(fieldSel.value);
      fillOps(opSel.value, readValue(li, field, opSel.value));
    };
    li.read = () => {
      const field = state.fields.get(fieldSel.value);
      return { field: field.name, op: opSel.value, value: readValue(li, field, opSel.value) };
    };
    li.append(el("div", { class: "row-inputs" }, fieldSel, opSel, slot, remove), err);
    fillOps(c.op, c.value);
    return li;
  }

  /* ---------- action rows ---------- */

  function paramInput(a, p, value) {
    const label = `${ACTION_TEXT[a.type] || a.type}: ${p.name.replace(/_/g, " ")}`;
    const attrs = { class: "p", "data-param": p.name, "data-ptype": p.type, "aria-label": label };
    if (p.type === "choice") {
      const s = el("select", attrs);
      if (!p.required) s.append(option("", "—", value == null && p.default == null));
      p.choices.forEach((c) => s.append(option(c, c.replace(/_/g, " "), c === (value ?? p.default))));
      return s;
    }
    if (p.type === "id") {
      const opts = idChoices(p.name);
      if (opts) {
        const s = el("select", attrs);
        if (!p.required || !opts.length) s.append(option("", opts.length ? "—" : "none available", value == null));
        opts.forEach(([id, text]) => s.append(option(id, text, id === value)));
        return s;
      }
      return el("input", { ...attrs, type: "number", min: "1", value: value ?? "", placeholder: "id" });
    }
    if (p.type === "number") {
      return el("input", { ...attrs, type: "number", step: "any", value: value ?? p.default ?? "",
        min: a.type === "set_priority" ? "0" : null, max: a.type === "set_priority" ? "100" : null,
        placeholder: a.type === "set_priority" ? "0–100" : a.type === "snooze" ? "minutes" : "" });
    }
    if (p.type === "label") return el("input", { ...attrs, value: value ?? "", list: "label-names", placeholder: "label" });
    if (p.type === "url") return el("input", { ...attrs, type: "url", value: value ?? "", placeholder: "https://…" });
    return el("input", { ...attrs, value: value ?? "", placeholder: p.required ? p.name : `${p.name} (optional)` });
  }

  function actionRow(action) {
    const act = action || {};
    const li = el("li", { class: "row action-row" });
    const typeSel = el("select", { class: "type", "aria-label": t("Action") });
    for (const a of state.vocab.actions) typeSel.append(el("option", { value: a.type, text: actionName(a), title: a.help || actionName(a), selected: a.type === act.type }));
    const params = el("span", { class: "params" });
    const remove = el("button", { type: "button", class: "icon remove", text: "✕", "aria-label": t("Remove action") });
    const err = el("p", { class: "field-error row-error", role: "alert" });
    function fill(values) {
      const a = state.actions.get(typeSel.value);
      params.replaceChildren(...a.params.map((p) => paramInput(a, p, values ? values[p.name] : null)));
      li.title = a.help || actionName(a);
    }
    typeSel.addEventListener("change", () => { fill(null); changed(); });
    remove.addEventListener("click", () => { li.remove(); changed(); });
    li.read = () => {
      const out = { type: typeSel.value };
      for (const input of params.querySelectorAll(".p")) {
        const v = input.value.trim();
        if (v === "") continue;
        out[input.dataset.param] = input.dataset.ptype === "number" || input.dataset.ptype === "id" ? Number(v) : v;
      }
      return out;
    };
    li.append(el("div", { class: "row-inputs" }, typeSel, params, remove), err);
    fill(act);
    return li;
  }

  /* ---------- the draft, its sentence, its errors ---------- */

  function draft() {
    return {
      name: $("#rule-name").value.trim(),
      trigger: $("#rule-trigger").value,
      match: $("#rule-match").value,
      conditions: [...$("#conditions").children].map((li) => li.read()),
      actions: [...$("#actions").children].map((li) => li.read()),
      enabled: $("#rule-enabled").checked,
    };
  }

  function valueText(v) {
    if (Array.isArray(v)) return v.join(" – ");
    if (v === true) return t("yes");
    if (v === false) return t("no");
    return v == null || v === "" ? "…" : String(v);
  }

  function actionText(a) {
    const name = (list, id) => { const hit = list.find((x) => x.id === id); return hit ? hit.name : id == null ? "…" : "#" + id; };
    switch (a.type) {
      case "set_priority": return t("set priority {value}", { value: valueText(a.value) });
      case "add_label": return t("add label “{label}”", { label: valueText(a.label) });
      case "remove_label": return t("remove label “{label}”", { label: valueText(a.label) });
      case "assign_team": return t("assign to team {name}", { name: name(choices.teams, a.team_id) });
      case "assign_agent": return t("assign to {name}", { name: name(state.agents, a.agent_id) });
      case "escalate": return t("escalate to a supervisor");
      case "notify": return a.channel !== "webhook" ? t("notify in the app")
        : a.url ? t("notify {url}", { url: a.url }) : t("notify a webhook");
      case "send_canned": return t("send a canned reply");
      case "resolve": return t("resolve");
      case "snooze": return t("snooze {n} min", { n: valueText(a.minutes) });
      default: return a.type;
    }
  }

  // the server adds each key's label and help in the reader's language (web/i18n/rule_help.py)
  function actionName(a) { return a.label || ACTION_TEXT[a.type] || a.type; }
  function triggerText(key) {
    const said = state.vocab && state.vocab.trigger_texts && state.vocab.trigger_texts[key];
    return (said && said.label) || TRIGGER_TEXT[key] || key;
  }

  /* A rule in the reader's words: "When a message arrives, if sentiment is negative: escalate…". The server's
     own description is English; this one is built from the same parts as the editor's sentence. */
  function describe(d) {
    const conds = (d.conditions || []).map((c) => {
      const f = state.fields.get(c.field);
      const no = t("(no)");
      return `${f ? fieldLabel(f) : c.field} ${OP_TEXT[c.op] || c.op} ${c.op === "is_set" ? (c.value ? "" : no) : valueText(c.value)}`.trim();
    });
    const trigger = triggerText(d.trigger);
    const acts = (d.actions || []).length ? d.actions.map(actionText).join(t(", ")) : t("do nothing yet");
    const joined = conds.join(d.match === "any" ? t(" or ") : t(" and "));
    const sentence = conds.length ? t("When {trigger}, if {conditions}: {actions}", { trigger, conditions: joined, actions: acts })
      : t("When {trigger}: {actions}", { trigger, actions: acts });
    return sentence.endsWith("…") ? sentence : t("{sentence}.", { sentence });
  }

  function changed() {
    const d = draft();
    const conds = d.conditions.map((c) => {
      const f = state.fields.get(c.field);
      const no = t("(no)");
      return `${f ? fieldLabel(f) : c.field} ${OP_TEXT[c.op] || c.op} ${c.op === "is_set" ? (c.value ? "" : no) : valueText(c.value)}`.trim();
    });
    const trigger = triggerText(d.trigger);
    const acts = d.actions.length ? d.actions.map(actionText).join(t(", ")) : t("do nothing yet");
    const joined = conds.join(d.match === "all" ? t(" and ") : t(" or "));
    const sentence = conds.length ? t("When {trigger}, if {conditions}: {actions}", { trigger, conditions: joined, actions: acts })
      : t("When {trigger}: {actions}", { trigger, actions: acts });
    $("#rule-sentence").textContent = sentence.endsWith("…") ? sentence : t("{sentence}.", { sentence });
    $("#save").textContent = d.enabled ? t("Save and enable") : t("Save as disabled");
  }

  function clearErrors() {
    document.querySelectorAll("#rule-form .field-error").forEach((p) => { p.textContent = ""; });
    document.querySelectorAll("#rule-form [aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    document.querySelectorAll("#rule-form .row.invalid").forEach((n) => n.classList.remove("invalid"));
  }

  /* Put each {path, message} next to what it names: "name", "conditions[1].value", "actions[0].label". */
  function showErrors(detail) {
    clearErrors();
    const errors = detail.errors && detail.errors.length ? detail.errors
      : [{ path: detail.field || "", message: detail.message || "invalid rule" }];
    for (const e of errors) {
      const m = /^(conditions|actions)\[(\d+)\](?:\.(\w+))?$/.exec(e.path || "");
      let slot = null;
      if (m) {
        const row = $(`#${m[1]}`).children[Number(m[2])];
        if (row) {
          row.classList.add("invalid");
          slot = row.querySelector(".row-error");
          const sub = m[3];
          const target = !sub ? null
            : m[1] === "conditions" ? row.querySelector(sub === "field" ? ".field" : sub === "op" ? ".op" : ".value-box .v")
              : row.querySelector(sub === "type" ? ".type" : `[data-param="${sub}"]`) || row.querySelector(".type");
          if (target) target.setAttribute("aria-invalid", "true");
        }
      } else {
        slot = document.querySelector(`#rule-form [data-error-for="${(e.path || "").split(/[.[]/)[0]}"]`);
        const input = document.querySelector(`#rule-${e.path}`);
        if (input) input.setAttribute("aria-invalid", "true");
      }
      slot = slot || $("#form-result");
      slot.textContent = slot.textContent ? `${slot.textContent}; ${e.message}` : e.message;
    }
  }

  /* ---------- editor state ---------- */

  function fillEditor(rule) {
    clearErrors();
    $("#rule-name").value = rule.name || "";
    $("#rule-trigger").value = rule.trigger || "message.created";
    $("#rule-match").value = rule.match || "all";
    $("#rule-enabled").checked = !!rule.enabled;
    $("#conditions").replaceChildren(...(rule.conditions || []).map(conditionRow));
    $("#actions").replaceChildren(...(rule.actions || []).map(actionRow));
    $("#preview-panel").hidden = true;
    $("#form-result").textContent = "";
    changed();
  }

  function resetEditor() {
    state.editing = null;
    $("#editor-h").textContent = t("New rule");
    fillEditor({ trigger: "message.created", match: "all", enabled: false,
      conditions: [{ field: "message.text", op: "contains", value: "" }], actions: [{ type: "set_priority" }] });
    renderRules();
  }

  function loadIntoEditor(rule) {
    state.editing = rule.id;
    $("#editor-h").textContent = t("Edit rule: {name}", { name: rule.name });
    fillEditor(rule);
    renderRules();
    $("#rule-name").focus();
  }

  /* ---------- preview and save ---------- */

  function renderPreview(res) {
    $("#preview-summary").textContent =
      t("{matched} of the last {checked} messages would match.", { matched: res.matched, checked: res.checked }) + " " + describe(draft());
    $("#preview-matches").replaceChildren(...res.matches.map((m) => el("li", { class: "match" },
      el("div", { class: "match-meta" },
        el("span", { text: m.author ? "@" + m.author : t("unknown author") }),
        el("time", { dateTime: m.created_at, text: fmt.dateTime(m.created_at) }),
        el("span", { text: t("conversation #{id}", { id: m.conversation_id }) })),
      el("blockquote", { class: "match-text", text: m.text }),
      el("ul", { class: "seen" }, ...m.matched.map((c) => el("li", { text: c.text }))),
      el("div", { class: "would" }, el("b", { text: t("Would:") + " " }), document.createTextNode(m.actions.map(actionText).join(t(", ")))))));
    if (!res.matches.length) $("#preview-matches").append(el("li", { class: "empty", text: t("Nothing recent matches this rule.") }));
    $("#preview-panel").hidden = false;
  }

  $("#preview").addEventListener("click", async () => {
    const b = $("#preview");
    b.disabled = true;
    $("#form-result").textContent = "";
    try {
      clearErrors();
      renderPreview(await api("/api/rules/preview", "POST", { ...draft(), limit: 100 }));
    } catch (e) {
      $("#preview-panel").hidden = true;
      if (e.detail) showErrors(e.detail); else $("#form-result").textContent = t("Preview failed: {error}", { error: e.message });
    }
    b.disabled = false;
  });

  $("#rule-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const d = draft();
    const b = $("#save");
    b.disabled = true;
    try {
      const saved = state.editing == null ? await api("/api/rules", "POST", d) : await api(`/api/rules/${state.editing}`, "PATCH", d);
      clearErrors();
      state.editing = saved.id;
      $("#editor-h").textContent = t("Edit rule: {name}", { name: saved.name });
      $("#form-result").textContent = (saved.enabled ? t("Saved “{name}” (enabled):", { name: saved.name })
        : t("Saved “{name}” (disabled):", { name: saved.name })) + " " + describe(saved);
      await loadRules();
    } catch (e) {
      if (e.detail) showErrors(e.detail); else $("#form-result").textContent = t("Not saved: {error}", { error: e.message });
    }
    b.disabled = false;
  });

  $("#add-condition").addEventListener("click", () => { $("#conditions").append(conditionRow({ field: "message.text", op: "contains" })); changed(); });
  $("#add-action").addEventListener("click", () => { $("#actions").append(actionRow({ type: "add_label" })); changed(); });
  $("#new-rule").addEventListener("click", () => { resetEditor(); $("#rule-name").focus(); });
  $("#cancel-edit").addEventListener("click", resetEditor);
  $("#rule-trigger").addEventListener("change", () => { [...$("#conditions").children].forEach((li) => li.refresh()); changed(); });
  $("#rule-form").addEventListener("input", changed);
  $("#rule-form").addEventListener("change", changed);

  (async () => {
    const [vocab, presence] = await Promise.all([api("/api/rules/vocabulary"), api("/api/agents/presence")]);
    state.vocab = vocab;
    state.agents = presence.agents;
    vocab.fields.forEach((f) => state.fields.set(f.name, f));
    vocab.actions.forEach((a) => state.actions.set(a.type, a));
    $("#rule-trigger").replaceChildren(...vocab.triggers.map((tr) => {
      const o = option(tr, triggerText(tr));
      const said = vocab.trigger_texts && vocab.trigger_texts[tr];
      if (said && said.help) o.title = said.help;
      return o;
    }));
    resetEditor();
    await loadRules();
    document.body.dataset.ready = "1";
  })().catch((e) => { $("#form-result").textContent = t("The editor could not load: {error}", { error: e.message }); });
})();
