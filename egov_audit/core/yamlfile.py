"""The one YAML loader of the project: frameworks, vocabulary, check thresholds and survey fields.

Config files are edited by hand in provinces, so the loader refuses what would otherwise go wrong quietly or
expensively: a key written twice in one mapping (PyYAML keeps the last without a word), a file over a size
cap, and documents whose aliases expand past a node budget (a 1 KB "billion laughs" file of nested aliases
is tiny on disk but enormous once a validator walks it or an error message prints it). Every problem is an
``InputError`` (or the caller's subclass) naming the file, the line and column, and the problem; the message
never embeds the offending value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from egov_audit.core.errors import InputError

MAX_CONFIG_BYTES = 2_000_000
"""Largest config file read (the bundled frameworks are about 20 KB)."""
MAX_EXPANDED_NODES = 200_000
"""Nodes a document may have once its aliases are expanded (the bundled files have a few thousand)."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and documents whose aliases expand too far."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._expanded: dict[int, int] = {}

    def compose_document(self) -> yaml.Node:
        node = super().compose_document()
        if self._expanded_size(node) > MAX_EXPANDED_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"the document expands to more than {MAX_EXPANDED_NODES:,} nodes (nested aliases?)",
                node.start_mark)
        return node

    def _expanded_size(self, node: yaml.Node) -> int:
        # Sizes are memoised per node, so shared (aliased) nodes are counted each time they are referenced
        # without ever being expanded: the cost stays linear in the composed graph.
        known = self._expanded.get(id(node))
        if known is not None:
            return known
        self._expanded[id(node)] = MAX_EXPANDED_NODES + 1  # a node reached again while counting: a cycle
        if isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._expanded_size(k) + self._expanded_size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._expanded_size(item) for item in node.value)
        else:
            size = 1
        self._expanded[id(node)] = min(size, MAX_EXPANDED_NODES + 1)
        return self._expanded[id(node)]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: SafeLoader reports it below
                duplicate = False
            if duplicate:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {str(key)[:80]!r}",
                                                        key_node.start_mark)
            if not isinstance(key, list | dict):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping)


def load_yaml(path: Path | str, shown: str | None = None, error: type[InputError] = InputError) -> Any:
    """Read and parse one YAML file; raises ``error(shown, problem, "line L, column C")`` on any problem.

    ``shown`` is the file name messages use (default: the path as given).
    """
    path = Path(path)
    shown = shown or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise error(shown, f"file too large ({size:,} bytes; at most {MAX_CONFIG_BYTES:,})")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(shown, "file not found") from None
    except OSError as exc:
        raise error(shown, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(shown, f"not UTF-8 text (byte {exc.start})") from None
    return parse_yaml(text, shown, error)


def parse_yaml(text: str, shown: str, error: type[InputError] = InputError) -> Any:
    """``load_yaml`` for text already read (the caller keeps the exact bytes, e.g. for a digest)."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise error(shown, f"invalid YAML: {exc.problem or exc.context or 'syntax error'}", where) from None
    except yaml.YAMLError as exc:
        raise error(shown, f"invalid YAML: {str(exc).splitlines()[0][:200]}") from None
    except RecursionError:
        raise error(shown, "invalid YAML: nested too deeply") from None
