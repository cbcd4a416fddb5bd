"""Meta's ``fields`` syntax with field expansion (``emulator.meta.parse_fields``)."""

import pytest

from emulator.meta import FieldSpec, MetaError, parse_fields, plain_fields, render_fields


def test_plain_fields() -> None:
    assert parse_fields("id, username ,followers_count") == [
        FieldSpec("id"),
        FieldSpec("username"),
        FieldSpec("followers_count"),
    ]
    assert parse_fields("") == []
    assert parse_fields("a,,b,") == [FieldSpec("a"), FieldSpec("b")]


def test_nested_fields_and_modifiers() -> None:
    raw = "username,media.limit(10){id,like_count,insights.metric(views,reach).period(lifetime)}"
    username, media = parse_fields(raw)
    assert username == FieldSpec("username")
    assert media.name == "media"
    assert media.modifier("limit") == "10"
    assert media.children is not None
    insights = media.children[-1]
    assert insights.name == "insights"
    assert insights.modifier("metric") == "views,reach"  # commas inside () are arguments
    assert insights.modifier("period") == "lifetime"
    assert insights.children is None
    assert render_fields(parse_fields(raw)) == raw


def test_deeper_nesting() -> None:
    (albums,) = parse_fields("albums.limit(5){name, photos.limit(2){name, picture}}")
    assert albums.children is not None
    photos = albums.children[1]
    assert photos.modifier("limit") == "2"
    assert [c.name for c in photos.children or ()] == ["name", "picture"]


@pytest.mark.parametrize(
    "raw",
    ["media{id", "media{id}}", "media.limit(3", "media.limit{id}", "media.(3)", "9lives", "a b"],
)
def test_syntax_errors_are_code_100(raw: str) -> None:
    with pytest.raises(MetaError) as raised:
        parse_fields(raw)
    assert raised.value.code == 100
    assert "Syntax error" in raised.value.message


def test_plain_fields_check() -> None:
    assert plain_fields(parse_fields("username,id,username"), ("id", "username"), "User") == [
        "id",
        "username",
    ]
    with pytest.raises(MetaError, match=r"nonexisting field \(bogus\) on node type \(User\)"):
        plain_fields(parse_fields("bogus"), ("id",), "User")
    with pytest.raises(MetaError):
        plain_fields(parse_fields("username.limit(2)"), ("username",), "User")
