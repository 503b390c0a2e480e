"""Thai word segmentation: PyThaiNLP's newmm (safe mode), computed the same way, compiled.

Why: newmm is pure Python in PyThaiNLP, and cutting a Thai message into words was the largest
single item of ingesting one (about a quarter of a mixed batch's CPU, profiled on 2,000 mixed
messages): a trie object's method call per position, a Python generator per word, a slice of
the rest of the text per character cluster. This module follows the same algorithm step for
step, so it gives the same words for every input (tests/unit/sentiment/test_sent_th_segment.py
compares it with `pythainlp.tokenize.newmm.segment` on the shipped Thai rows, the benchmark
corpus and random strings), but it is built by mypyc with the scorers (`make native`), walks
a trie of plain dicts inline, and matches the character clusters in place.

The regular expressions (character clusters, non-Thai runs, two-consonant words) and the word
list are PyThaiNLP's own objects, imported, not copied: the rules stay PyThaiNLP's
(Apache-2.0; the algorithm is Korakot Chaovavanich's, with PyThaiNLP's graph-size cut-off).
"""

from __future__ import annotations

from functools import cache
from heapq import heappop, heappush
from typing import Any

# newmm's limits (pythainlp.tokenize.newmm): graph size before a forced cut, and the scan window
# safe mode cuts long texts in.
_MAX_GRAPH_SIZE = 50
_TEXT_SCAN_BEGIN = 100
_TEXT_SCAN_END = 140
_END = ""  # a trie node's key for "a word ends here": never a character of the text


@cache
def _tables() -> tuple[dict[str, Any], Any, Any, Any]:
    """The word trie as nested dicts and PyThaiNLP's three patterns, built once per process.

    The trie is read from PyThaiNLP's own default word trie (`word_dict_trie`, the words
    newmm uses when given no dictionary), so both hold the same words."""
    from pythainlp.tokenize import word_dict_trie
    from pythainlp.tokenize.newmm import _PAT_NONTHAI, _PAT_THAI_TWOCHARS
    from pythainlp.tokenize.tcc_p import _PAT_TCC

    root: dict[str, Any] = {}
    leaf_end: dict[str, Any] = {}
    for word in word_dict_trie():
        node = root
        for ch in word:
            child = node.get(ch)
            if child is None:
                child = {}
                node[ch] = child
            node = child
        node[_END] = leaf_end
    return root, _PAT_TCC, _PAT_NONTHAI, _PAT_THAI_TWOCHARS


def tcc_ends(text: str) -> bytearray:
    """`pythainlp.tokenize.tcc_p.tcc_pos_array`: 1 at every Thai character cluster boundary.

    The cluster pattern is matched at each position of the text instead of on a copy of the
    rest of it; it has no `^` and its `$` is the text's end either way, so the clusters are the same.
    """
    pat = _tables()[1]
    n = len(text)
    arr = bytearray(n + 1)
    if n == 0:
        return arr
    p = 0
    while p < n:
        m = pat.match(text, p)
        step = m.end() - p if m is not None else 1
        p += step
        arr[p] = 1
    return arr


def _prefix_ends(root: dict[str, Any], chars: list[str], start: int) -> list[int]:
    """End positions of the dictionary words that start at `start`, shortest first (`Trie.prefixes`).

    `chars` is the text as a list of its characters, made once per text: indexing a str makes a
    new one-character string (and hashes it again) at every step of every walk."""
    ends: list[int] = []
    node = root
    n = len(chars)
    i = start
    while i < n:
        child = node.get(chars[i])
        if child is None:
            break
        i += 1
        if _END in child:
            ends.append(i)
        node = child
    return ends


def _first_path(graph: dict[int, list[int]], start: int, goal: int) -> list[int]:
    """newmm's `_bfs_paths_graph`: the first path breadth-first search finds from start to goal."""
    visited = {start}
    queue: list[tuple[int, list[int]]] = [(start, [start])]
    head = 0
    while head < len(queue):
        vertex, path = queue[head]
        head += 1
        for pos in graph.get(vertex, []):
            if pos == goal:
                return [*path, pos]
            if pos not in visited:
                visited.add(pos)
                queue.append((pos, [*path, pos]))
    raise RuntimeError("generator raised StopIteration")  # what newmm's next() on no path becomes


def _skip_end(root: dict[str, Any], text: str, chars: list[str], begin: int, valid: bytearray) -> int:
    """newmm's `_find_skip_end`: the end of an out-of-dictionary run starting at `begin`."""
    _, _, nonthai, twochars = _tables()
    n = len(text)
    m = nonthai.match(text, begin)
    if m:
        return int(m.end())
    for pos in range(begin + 1, n):
        if valid[pos]:
            for end in _prefix_ends(root, chars, pos):
                if valid[end] and not twochars.match(text[pos:end]):
                    return pos
            if nonthai.match(text, pos):
                return pos
    return n


def _onecut(text: str, out: list[str]) -> None:
    """newmm's `_onecut`: append the words of `text` to `out`."""
    root = _tables()[0]
    valid = tcc_ends(text)
    chars = list(text)
    n = len(text)
    graph: dict[int, list[int]] = {}
    graph_size = 0
    pos_list = [0]
    end_pos = 0
    while pos_list[0] < n:
        begin = heappop(pos_list)
        for end in _prefix_ends(root, chars, begin):
            if valid[end]:
                edges = graph.get(begin)
                if edges is None:
                    edges = []
                    graph[begin] = edges
                edges.append(end)
                graph_size += 1
                if end not in pos_list:
                    heappush(pos_list, end)
                if graph_size > _MAX_GRAPH_SIZE:
                    break
        left = len(pos_list)
        if left == 1:  # one candidate: no longer ambiguous
            path = _first_path(graph, end_pos, pos_list[0])
            graph_size = 0
            graph.clear()
            for pos in path[1:]:
                out.append(text[end_pos:pos])
                end_pos = pos
        elif left == 0:  # no candidate: a word the dictionary does not have
            end_pos = _skip_end(root, text, chars, begin, valid)
            graph_size = 0
            graph.clear()
            out.append(text[begin:end_pos])
            heappush(pos_list, end_pos)


def _cut_pos(text: str) -> int:
    """newmm's `_find_cut_pos`: where safe mode cuts a long text (a space in the scan window, or
    before the window's longest word)."""
    sample = text[_TEXT_SCAN_BEGIN:_TEXT_SCAN_END]
    space = sample.rfind(" ")
    if space >= 0:
        return space + 1 + _TEXT_SCAN_BEGIN
    tokens: list[str] = []
    _onecut(sample, tokens)
    longest = longest_len = 0
    for i, token in enumerate(tokens):
        if len(token) >= longest_len:
            longest_len = len(token)
            longest = i
    cut = _TEXT_SCAN_BEGIN
    for i in range(longest):
        cut += len(tokens[i])
    return cut


def segment(text: str) -> list[str]:
    """The words of `text` as `pythainlp.tokenize.newmm.segment(text, word_dict_trie(), safe_mode=True)`
    gives them (spaces included, as newmm keeps them)."""
    if not text:
        return []
    out: list[str] = []
    if len(text) < _TEXT_SCAN_END:
        _onecut(text, out)
        return out
    while len(text) >= _TEXT_SCAN_END:
        cut = _cut_pos(text)
        _onecut(text[:cut], out)
        text = text[cut:]
    if text:
        _onecut(text, out)
    return out
