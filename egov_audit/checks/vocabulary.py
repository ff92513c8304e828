"""Loads and validates config/vocabulary.yaml: section labels and URL slugs per concept, placeholders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from config import CONFIG_DIR
from egov_audit.core.errors import BadInput, InputError
from egov_audit.core.text import label_slugs
from egov_audit.core.yamlfile import load_yaml

DEFAULT_PATH = CONFIG_DIR / "vocabulary.yaml"


class VocabularyError(BadInput, ValueError):
    """The vocabulary file is invalid; the message names the file and the key."""


@dataclass(frozen=True)
class Concept:
    name: str
    labels: tuple[str, ...]
    slugs: tuple[str, ...]
    """Declared slugs plus those derived from every label (``hoi-dap`` and ``hoi-ap``)."""


@dataclass(frozen=True)
class Vocabulary:
    concepts: dict[str, Concept]
    placeholders: tuple[str, ...] = ()
    document_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    service_figures: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Figure words of dossier statistics by kind (``received``, ``resolved``, ``on_time``)."""

    def concept(self, name: str) -> Concept:
        try:
            return self.concepts[name]
        except KeyError:
            raise KeyError(f"vocabulary has no concept {name!r}") from None

    def labels(self, name: str) -> tuple[str, ...]:
        return self.concept(name).labels


def _strings(value: Any, where: str, source: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    if value is None and allow_empty:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise VocabularyError(f"{source}: {where}: must be a list of non-empty strings")
    if not value and not allow_empty:
        raise VocabularyError(f"{source}: {where}: must not be empty")
    return tuple(v.strip() for v in value)


def parse_vocabulary(data: Any, source: str = "<vocabulary>") -> Vocabulary:
    """Validate the parsed YAML; raises ``VocabularyError`` naming the key at fault."""
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict) or not data["concepts"]:
        raise VocabularyError(f"{source}: concepts: must be a non-empty mapping of concept name to labels/slugs")
    concepts: dict[str, Concept] = {}
    for name, entry in data["concepts"].items():
        if not isinstance(entry, dict):
            raise VocabularyError(f"{source}: concepts.{name}: must be a mapping with 'labels' and 'slugs'")
        unknown = set(entry) - {"labels", "slugs"}
        if unknown:
            raise VocabularyError(f"{source}: concepts.{name}: unknown key(s) {sorted(unknown)}")
        labels = _strings(entry.get("labels"), f"concepts.{name}.labels", source)
        slugs = list(_strings(entry.get("slugs"), f"concepts.{name}.slugs", source, allow_empty=True))
        for label in labels:
            slugs.extend(sorted(label_slugs(label) - set(slugs)))
        concepts[str(name)] = Concept(str(name), labels, tuple(dict.fromkeys(slugs)))
    placeholders = _strings(data.get("placeholders", []), "placeholders", source, allow_empty=True)
    fields_raw = data.get("document_fields", {}) or {}
    if not isinstance(fields_raw, dict):
        raise VocabularyError(f"{source}: document_fields: must be a mapping")
    fields = {
        str(k): _strings(v, f"document_fields.{k}", source) for k, v in fields_raw.items()
    }
    figures_raw = data.get("service_figures", {}) or {}
    if not isinstance(figures_raw, dict):
        raise VocabularyError(f"{source}: service_figures: must be a mapping of figure kind to words")
    figures = {str(k): _strings(v, f"service_figures.{k}", source) for k, v in figures_raw.items()}
    return Vocabulary(concepts, placeholders, fields, figures)


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """Read and validate a vocabulary file (default: config/vocabulary.yaml)."""
    path = Path(path) if path else DEFAULT_PATH
    return _load(str(path.resolve()))


@lru_cache(maxsize=8)
def _load(path: str) -> Vocabulary:
    try:
        data = load_yaml(path)
    except InputError as exc:
        raise VocabularyError(str(exc)) from None
    return parse_vocabulary(data, path)
