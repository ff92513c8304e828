"""Long JSON values stored once, by digest, in the ``url_list`` table.

What a check looked at, the evidence of a finding and a unit's probe results are mostly the same from one
night to the next (and what a check looked at, for many checks of a unit). Stored inline, an incremental
night that fetched almost nothing still wrote them all again: most of its bytes. A value longer than
``INLINE_CHARS`` is stored once in ``url_list`` (named for its first use: looked-at URL lists) under the
SHA-256 of its JSON text, and the column holds that digest as a JSON string. A column therefore holds
either the value itself (a list or an object) or a JSON string naming the stored one; no value stored
this way is itself a string, so the two never clash. An object whose members change apart (a unit's
probes) has each long member stored once instead, as ``{"$stored": digest}``: tonight's link checks are
then the only part of it a night adds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from egov_audit.storage.columns import dumps
from egov_audit.storage.models import UrlList

INLINE_CHARS = 160
"""A value whose JSON is longer than this is stored once and named by its digest."""

PER_QUERY = 500
"""Digests asked for in one query: a whole province's run names tens of thousands of values, more than
SQLite accepts as parameters of one statement."""


def column_for(s: Session, value: Any, known: set[str] | None = None) -> str:
    """The column text for ``value`` (a list or an object): the JSON itself when short, else the digest of
    its ``url_list`` row, written now unless it is already in ``known`` (digests this transaction wrote)."""
    text = dumps(value)
    return text if len(text) <= INLINE_CHARS else json.dumps(_store(s, text, known))


def _store(s: Session, text: str, known: set[str] | None) -> str:
    """Store a JSON text once (unless ``known`` says this transaction already did); its digest."""
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    if known is None or digest not in known:
        # Another worker may store the same value at the same moment: the first one wins, both refer to it.
        s.execute(_insert_ignoring_duplicates(s, digest, text))
        if known is not None:
            known.add(digest)
    return digest


STORED_MEMBER = "$stored"
"""The key of ``{"$stored": digest}``: an object member stored once (``members_column_for``)."""


def members_column_for(s: Session, value: dict[str, Any], known: set[str] | None = None) -> str:
    """The column text for an object whose members change apart (a unit's probes: tonight's link checks
    change, its search results do not): each long member stored once, as ``{"$stored": digest}``. A member
    that is itself an object of objects (when the link statuses were last asked, grouped by night of the
    revisit interval) is split the same way one level down: only tonight's group is new."""
    members = {}
    for key, member in value.items():
        if isinstance(member, dict) and member and all(isinstance(m, dict) for m in member.values()):
            members[key] = {k: _member(s, m, known) for k, m in member.items()}
        else:
            members[key] = _member(s, member, known)
    return dumps(members)


def _member(s: Session, member: Any, known: set[str] | None) -> Any:
    text = dumps(member)
    # Members may be strings themselves (when a probe was last asked): only a long one is stored.
    return {STORED_MEMBER: _store(s, text, known)} if len(text) > INLINE_CHARS else member


def _stored_ref(member: Any) -> str | None:
    return member[STORED_MEMBER] if isinstance(member, dict) and set(member) == {STORED_MEMBER} else None


def load_members(s: Session, column: str | None) -> dict[str, Any]:
    """An object written by ``members_column_for`` (or inline, or stored whole by ``column_for``)."""
    value = load_value(s, column, {})
    refs = [_stored_ref(m) for m in value.values()]
    refs += [_stored_ref(sub) for m in value.values() if isinstance(m, dict) and _stored_ref(m) is None
             for sub in m.values()]
    wanted = [json.dumps(d) for d in refs if d is not None]
    if not wanted:
        return value
    stored = stored_values(s, wanted)

    def resolved(member: Any) -> Any:
        ref = _stored_ref(member)
        return value_of(json.dumps(ref), stored) if ref is not None else member

    return {key: resolved(m) if _stored_ref(m) is not None or not isinstance(m, dict)
            else {k: resolved(sub) for k, sub in m.items()} for key, m in value.items()}


def _insert_ignoring_duplicates(s: Session, digest: str, text: str) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(UrlList).values(digest=digest, urls_json=text).on_conflict_do_nothing(index_elements=["digest"])


def stored_values(s: Session, columns: Iterable[str | None]) -> dict[str, Any]:
    """The stored values these columns name, by digest (columns holding their value inline are skipped)."""
    digests = sorted({json.loads(c) for c in columns if c and c.startswith('"')})
    values: dict[str, Any] = {}
    for start in range(0, len(digests), PER_QUERY):
        batch = digests[start:start + PER_QUERY]
        for row in s.exec(select(UrlList).where(UrlList.digest.in_(batch))):  # type: ignore[attr-defined]
            values[row.digest] = json.loads(row.urls_json)
    return values


def value_of(column: str | None, stored: dict[str, Any], default: Any = None) -> Any:
    """A column's value: inline, or the stored one it names (``stored`` from ``stored_values``)."""
    if not column:
        return default
    value = json.loads(column)
    if not isinstance(value, str):
        return value
    if value not in stored:
        raise LookupError(f"a column names the stored JSON value {value}, which is not in the url_list table")
    return stored[value]


def load_value(s: Session, column: str | None, default: Any = None) -> Any:
    """One column's value, reading its stored value if it names one."""
    return value_of(column, stored_values(s, [column]), default)
