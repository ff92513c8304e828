"""The one YAML loader: duplicate keys, alias bombs, size and encoding are clear errors naming the file."""

from __future__ import annotations

import pytest

from config import CONFIG_DIR
from egov_audit.core.errors import InputError
from egov_audit.core.yamlfile import MAX_CONFIG_BYTES, load_yaml
from egov_audit.scoring import FrameworkError, load_framework

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
version: *i
"""


def test_nested_aliases_are_refused_before_they_expand(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert path.stat().st_size < 1024
    with pytest.raises(InputError) as caught:
        load_yaml(path)
    message = str(caught.value)
    assert str(path) in message and "expands to more than" in message
    assert "lol" not in message  # the message never embeds the expanded value


def test_a_framework_made_of_aliases_is_a_framework_error(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    with pytest.raises(FrameworkError, match="expands to more than"):
        load_framework(path, CONFIG_DIR)


def test_a_few_aliases_still_work(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {points: 2}\nindicator: *b\n", encoding="utf-8")
    assert load_yaml(path) == {"base": {"points": 2}, "indicator": {"points": 2}}


def test_a_key_written_twice_names_its_line(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("version: 1\nname: x\nversion: 2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"duplicate key 'version'.*|line 3"):
        load_yaml(path)
    with pytest.raises(InputError) as caught:
        load_yaml(path)
    assert "line 3" in str(caught.value)


def test_oversized_and_non_utf8_files_are_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(InputError, match="too large"):
        load_yaml(big)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("tên: Hà Nam".encode("latin-1", errors="replace") + b"\xff")
    with pytest.raises(InputError, match="not UTF-8"):
        load_yaml(latin)
    with pytest.raises(InputError, match="file not found"):
        load_yaml(tmp_path / "missing.yaml")
