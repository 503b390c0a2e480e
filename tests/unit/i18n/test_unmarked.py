"""No user-visible English in a template or page script escapes translation (tests/unit/i18n/unmarked.py)."""

from __future__ import annotations

from tests.unit.i18n.unmarked import report, unmarked_in_script, unmarked_in_template


def test_every_template_and_script_marks_what_people_read() -> None:
    found = report()
    assert not found, "\n".join(f"{file}: {item}" for file, items in found.items() for item in items)


def test_the_template_parser_finds_text_and_attributes_but_not_marked_or_code() -> None:
    page = """{% block body_class %}shell manage{% endblock %}
    <h1>{{ _("Rules") }}</h1><p>Drag a rule</p><input placeholder="Search all">
    <button title="{{ _("Close") }}" aria-label="Close the dialog">×</button><kbd>Ctrl</kbd> <code>GET /api</code>
    <span>{{ name }} · Murmur</span>"""
    found = unmarked_in_template(page)
    assert found == [
        "text: 'Drag a rule'",
        "input[placeholder]: 'Search all'",
        "button[aria-label]: 'Close the dialog'",
    ]


def test_the_script_parser_finds_strings_that_reach_the_page() -> None:
    script = """
      el("li", { class: "muted", text: "No canned response matches" });
      node.textContent = ok ? t("Saved") : "Not saved";
      toast(`Merged ${name} into this customer`);
      el("span", { class: "chip vip", text: "VIP" });
      const key = "murmur.read.";
      node.setAttribute("aria-label", t("Remove label {label}", { label }));
      node.textContent = `${c.public ? t("public mention") : t("direct message")}`;
    """
    found = unmarked_in_script(script)
    assert [f.split(": ", 1)[1] for f in found] == [
        '"No canned response matches"',
        '"Not saved"',
        "`Merged ${name} into this customer`",
        't() inside a template literal is not extracted: `${c.public ? t("public mention") : t("direct message")}`',
    ]
