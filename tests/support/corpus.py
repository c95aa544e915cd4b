"""Hypothesis settings, strategies and table helpers shared by the bad-input corpus.

Hypothesis runs are deterministic (the same examples on every machine, no example database) and
small, so the corpus costs seconds per CI pass; raise ``max_examples`` locally to dig.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def corpus_settings(max_examples: int) -> settings:
    """Deterministic, database-free settings; examples share the test's app on purpose."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def header_text(pieces: list[str], max_size: int = 8) -> st.SearchStrategy[str]:
    """A header value as a client could send it: Latin-1 text without CR/LF, mixed with
    ``pieces`` (tokens the parser under test looks for) so examples reach deep branches."""
    latin1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
    fragment = st.sampled_from(pieces) | st.text(latin1, max_size=6)
    return st.lists(fragment, max_size=max_size).map("".join)


def file_names() -> st.SearchStrategy[str]:
    """Arbitrary text, and text built from path syntax, for names an uploader may send."""
    path_pieces = st.sampled_from(
        ["..", ".", "/", "\\", "C:", "~", "\x00", "\u202e", "etc", "passwd", " ", ".mp4", "%2e"]
    )
    return st.text(max_size=300) | st.lists(path_pieces | st.text(max_size=8), max_size=12).map(
        "".join
    )


@contextmanager
def labelled(case: str) -> Iterator[None]:
    """Name the table case in any assertion that fails inside the block."""
    try:
        yield
    except AssertionError as error:
        raise AssertionError(f"case {case!r}: {error}") from error
