"""Every string the code marks is translated, not fuzzy, in every shipped locale, with the same placeholders.

The check runs over the merged catalogue of each locale (all parts files), against a fresh `pybabel extract`
of the code: a branch that adds a marked string without its translations turns this red, on purpose.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from escalation import fields
from web.i18n import catalogs, vocabulary

ROOT = Path(__file__).resolve().parents[3]
# scripts/i18n.py: the same extraction `make i18n` runs
_spec = importlib.util.spec_from_file_location("murmur_i18n_script", ROOT / "scripts" / "i18n.py")
assert _spec and _spec.loader
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}|%%")


@pytest.fixture(scope="module")
def template(extracted_template):  # type: ignore[no-untyped-def]
    return extracted_template


def _ids(message) -> list[str]:  # type: ignore[no-untyped-def]
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def _strings(message) -> list[str]:  # type: ignore[no-untyped-def]
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def test_extraction_finds_the_pages_the_scripts_and_python(template) -> None:  # type: ignore[no-untyped-def]
    where = {Path(loc).name for m in template for loc, _line in m.locations}
    assert {"inbox.html", "inbox.js", "rules.js", "shell.py", "error_pages.py", "login.html"} <= where
    assert len(template) > 500


@pytest.mark.parametrize("locale", catalogs.TRANSLATED)
def test_every_marked_string_is_translated_and_not_fuzzy(template, locale: str) -> None:  # type: ignore[no-untyped-def]
    merged = catalogs.merge(locale)
    missing = [
        _ids(m)[0]
        for m in template
        if m.id and (merged.get(m.id, m.context) is None or not catalogs._done(merged.get(m.id, m.context)))
    ]
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:10]}"


@pytest.mark.parametrize("locale", catalogs.TRANSLATED)
def test_parts_have_no_fuzzy_entries_and_keep_every_placeholder(locale: str) -> None:
    problems = []
    for path in catalogs.part_files(locale):
        with path.open("rb") as fh:
            part = read_po(fh, locale=locale)
        for m in part:
            if not m.id:
                continue
            if m.fuzzy:
                problems.append(f"{path.name}: fuzzy {m.id!r}")
            want = sorted(set(PLACEHOLDER.findall(_ids(m)[0])) - {"%%"})
            for text in _strings(m):
                if sorted(set(PLACEHOLDER.findall(text)) - {"%%"}) != want:
                    problems.append(f"{path.name}: {m.id!r} -> {text!r}")
                if "%%" in _ids(m)[0] and "%%" not in text:
                    problems.append(f"{path.name}: {m.id!r} lost its escaped %")
    assert not problems, "\n".join(problems)


def test_a_missing_or_fuzzy_translation_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a part with an empty and a fuzzy entry leaves both out of the catalogue."""
    (tmp_path / "x.th_TH.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Resolve"\nmsgstr ""\n\n#, fuzzy\nmsgid "Snooze"\nmsgstr "เลื่อน"\n\n'
        'msgid "Assign"\nmsgstr "มอบหมาย"\n',
        encoding="utf-8",
    )
    merged = catalogs.merge("th_TH", tmp_path)
    done = {m.id for m in merged if m.id and catalogs._done(m)}
    assert done == {"Assign"}
    built = catalogs.browser_catalog(merged)
    assert built["messages"] == {"Assign": "มอบหมาย"} and built["plural"] == ["other"]


def test_english_plurals_map_to_gettext_order() -> None:
    assert catalogs.plural_categories("en") == ["one", "other"]
    assert catalogs.plural_categories("zh_Hant_TW") == ["other"]


def test_the_rule_vocabulary_list_keeps_up_with_escalation_fields() -> None:
    listed = {str(x._args[0]) for x in vocabulary.FIELD_LABELS}  # lazy strings keep their msgid
    assert {f.label for f in fields._ALL} == listed


def test_the_customer_texts_listed_for_translation_are_the_inboxs_own() -> None:
    from inbox.insights import surveys_service
    from web.i18n import customer

    listed = {str(x._args[0]) for x in customer.CUSTOMER_TEXTS}
    assert surveys_service.INVITATION in listed
    assert {k: str(v._args[0]) for k, v in customer.QUESTIONS.items()} == surveys_service.QUESTIONS


def test_every_trigger_fact_and_action_has_words_in_the_rule_editor() -> None:
    """The escalation leaf names things by key; web.i18n.rule_help gives each a label and a help text."""
    from escalation.actions import ACTIONS
    from escalation.types import TRIGGERS
    from web.i18n import rule_help

    assert set(rule_help.TRIGGERS) == set(TRIGGERS)
    assert set(rule_help.FIELDS) == {f.name for f in fields._ALL}
    assert set(rule_help.ACTIONS) == set(ACTIONS)


def test_the_channel_setting_help_listed_for_translation_is_the_connectors_own() -> None:
    from inbox.channels.accounts import kinds_catalogue
    from web.i18n import channel_help

    listed = {str(x._args[0]) for x in channel_help.OPTION_HELP}
    assert listed == {o["help"] for k in kinds_catalogue() for o in k["options"] if o["help"]}
