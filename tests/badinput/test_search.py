"""Hostile search text, tags and cursors: a clear 400 or an ordinary answer, never a 500.

Full-text engines have a query syntax of their own (FTS5: quotes, ``*``, ``NEAR``,
``AND``/``OR``/``NOT``, ``col:``, ``^``; InnoDB boolean mode: ``+ - < > ( ) ~ * "``).
None of it may reach them from the search box: each case must either find only what
its plain words find, or be refused with a message.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from tests.support.accounts import AuthActions
from tests.support.corpus import corpus_settings, labelled
from tests.support.library import add_rows

FTS_SYNTAX = {
    "unbalanced_quote": 'beach"',
    "quoted_phrase": '"beach day"',
    "star_only": "*",
    "prefix_star": "bea*",
    "near": "NEAR(beach day, 2)",
    "boolean_words": "beach OR NOT day AND",
    "column_filter": "title:beach",
    "column_set": "{title description}: beach",
    "caret": "^beach",
    "innodb_operators": "+beach -day >x <y ~z (a) @3",
    "sql_quote": "beach' OR '1'='1",
    "sql_comment": "beach -- ",
    "percent_underscore": "%_%",
    "backslash": "\\",
    "nul": "beach\x00day",
    "rtl_override": "\u202ebeach",
    "zero_width": "bea\u200bch",
    "combining": "be\u0301ach",
    "emoji": "🏖️ beach",
    "cjk": "海滩",
    "arabic_digits": "٣",
    "only_punctuation": "!!! ??? ...",
    "many_words": " ".join(["beach"] * 33),
    "long_word": "b" * 199,
}


@pytest.fixture
def alice(app: Flask, auth: AuthActions) -> AuthActions:
    """Alice with two videos, one of which a plain search for "beach" finds."""
    auth.signup("alice")
    add_rows(app, "alice", [{"title": "Beach day", "tags": ["sea"]}, {"title": "Snow"}])
    return auth


@pytest.mark.parametrize("case", sorted(FTS_SYNTAX))
def test_search_syntax_is_never_interpreted(alice: AuthActions, case: str) -> None:
    text = FTS_SYNTAX[case]
    with labelled(case):
        for path in ("/api/videos?q=", "/stream?q="):
            answer = alice.client.get(path + quote(text))
            assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        titles = [
            v["title"]
            for v in alice.client.get("/api/videos?q=" + quote(text)).get_json()["videos"]
        ]
        assert "Snow" not in titles


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("q=" + "x" * 10_000, "at most 200"),
        ("tag=" + "t" * 10_000, "at most 40"),
        ("after=" + "c" * 10_000, "no longer valid"),
        ("after=WyJuZXdlc3QiLCIyMDI2IiwxXQ.forged", "no longer valid"),
        ("collection=" + "../" * 10, "no such collection"),
        ("sort=" + quote("newest\x00"), "sort must be"),
        ("limit=" + quote("٣"), "limit must be"),
        ("limit=-1", "limit must be"),
    ],
)
def test_hostile_arguments_are_a_clear_4xx(alice: AuthActions, query: str, words: str) -> None:
    answer = alice.client.get(f"/api/videos?{query}")
    assert 400 <= answer.status_code < 500
    assert words in answer.get_json()["error"]["message"]


def test_invalid_utf8_in_the_query_string_is_not_a_500(alice: AuthActions) -> None:
    for raw in ("q=%ff%fe", "q=%ed%a0%80", "tag=%c0%af", "after=%80"):
        assert alice.client.get(f"/api/videos?{raw}").status_code in (200, 400)
        assert alice.client.get(f"/stream?{raw}").status_code in (200, 400)


@corpus_settings(max_examples=60)
@given(text=st.text(max_size=200))
def test_any_text_of_allowed_length_is_answered(alice: AuthActions, text: str) -> None:
    answer = alice.client.get("/api/videos?q=" + quote(text.encode("utf-8", "surrogatepass")))
    assert answer.status_code in (200, 400)


@corpus_settings(max_examples=40)
@given(tags=st.lists(st.text(max_size=45), max_size=22))
def test_any_tag_list_is_stored_or_refused_clearly(alice: AuthActions, tags: list[str]) -> None:
    vid = alice.client.get("/api/videos?q=beach").get_json()["videos"][0]["id"]
    headers = {"X-CSRFToken": alice.csrf()}
    answer = alice.client.patch(f"/api/videos/{vid}", json={"tags": tags}, headers=headers)
    assert answer.status_code in (200, 400), answer.get_data(as_text=True)[:300]
    if answer.status_code == 400:
        assert answer.get_json()["error"]["message"]
