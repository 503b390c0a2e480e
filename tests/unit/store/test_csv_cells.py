"""Spreadsheet-safe CSV cells: nothing a spreadsheet would run leaves unprotected, and our reader undoes it."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.store.csv_cells import FORMULA_SIGNS, csv_lines, csv_text, safe_cell, unsafe_cell

DANGEROUS = [
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\n=1+1",
    "  \n\t =cmd|' /C calc'!A0",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    "\u3000＝1",
    "−1+1",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_text_is_prefixed(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["hello =world", "a-b", "", "1.5", "ok @me"])
def test_ordinary_text_is_unchanged(value):
    assert safe_cell(value) == value


def test_text_that_already_starts_with_an_apostrophe_reads_back_as_written():
    assert safe_cell("'=1") == "''=1" and unsafe_cell("''=1") == "'=1"
    assert safe_cell("'quoted") == "'quoted" and unsafe_cell("'quoted") == "'quoted"


def test_numbers_stay_numbers_and_none_is_empty():
    assert safe_cell(-3) == -3 and safe_cell(-0.5) == -0.5 and safe_cell(None) == ""


@given(st.text())
def test_no_cell_starts_a_formula_and_the_reader_gets_the_text_back(text):
    cell = safe_cell(text)
    assert cell[:1] not in FORMULA_SIGNS | {"\t", "\r", "\n"} or cell == text == ""
    assert cell.lstrip()[:1] not in FORMULA_SIGNS
    assert unsafe_cell(cell) == text


def test_every_writer_protects_every_cell():
    rows = [{"text": " =1+1", "n": -1}]
    out = list(csv.reader(io.StringIO(csv_text(rows))))
    assert out == [["text", "n"], ["' =1+1", "-1"]]
    out = list(csv.reader(io.StringIO(csv_lines(["text", "label"], [["＝1", "neutral"]]))))
    assert out == [["text", "label"], ["'＝1", "neutral"]]
