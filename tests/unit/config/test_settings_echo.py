"""How problem lines quote a refused value: at most 80 characters, escaped, never a password."""

from __future__ import annotations

import pytest

from smnb_app.config.echo import shown, without_password


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postgresql://app:hunter2@db:5432/smnb", "postgresql://app:***@db:5432/smnb"),
        ("postgresql://app:hun@ter/2@db/smnb", "postgresql://app:***@db/smnb"),
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("app:hunter2@db/smnb", "app:***@db/smnb"),
        ("postgresql://db/smnb?sslmode=require&password=hunter2", "postgresql://db/smnb?sslmode=require&password=***"),
        ("postgresql://db/smnb?PASSWORD=hunter2&x=1", "postgresql://db/smnb?PASSWORD=***&x=1"),
        ("postgresql://app@db/smnb", "postgresql://app@db/smnb"),
        ("https://clerk.example.com/a:b", "https://clerk.example.com/a:b"),
        ("production", "production"),
    ],
)
def test_passwords_in_userinfo_and_query_are_hidden_and_the_rest_kept(value: str, expected: str) -> None:
    assert without_password(value) == expected


def test_a_later_at_sign_hides_more_never_less() -> None:
    assert without_password("postgresql://app:hunter2@db/smnb?note=a@b") == "postgresql://app:***@b"


def test_a_short_value_is_quoted_and_escaped_whole() -> None:
    assert shown("http://[::1") == "'http://[::1'"
    assert shown("a\x00b\n\ud800") == "'a\\x00b\\n\\ud800'"


def test_a_long_value_is_cut_to_80_characters_then_marked() -> None:
    assert shown("x" * 81) == "'" + "x" * 80 + "'..."
    assert shown("x" * 80) == "'" + "x" * 80 + "'"


def test_a_password_is_hidden_before_the_cut_so_no_part_of_it_shows() -> None:
    quoted = shown("postgresql://app:" + "s3cret" * 50 + "@db:5432/smnb")
    assert "s3cret" not in quoted and quoted == "'postgresql://app:***@db:5432/smnb'"
