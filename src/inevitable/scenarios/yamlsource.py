"""Safe YAML reading that remembers where every field came from.

Errors in a scenario must name the file, the line and the field. PyYAML's
safe loader gives us data; composing the same text gives the node tree with
line marks, which we walk to turn a pydantic error location into a line.

The text is read once: the node tree is composed and the data constructed
from that same tree. libyaml's loader (PyYAML's C binding) is used when
PyYAML was built with it: the flagship's scenario takes about 0.9 s to read
in pure Python and 0.2 s with libyaml, and every command and every worker
process reads it. Both build the same data and the same marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from inevitable.errors import InputError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlSource:
    data: Any
    root: yaml.Node | None
    name: str

    @classmethod
    def parse(cls, text: str, name: str) -> YamlSource:
        try:
            root, data = _read(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f"{name}:{mark.line + 1}" if mark else name
            raise InputError(f"malformed YAML: {exc.problem or exc.context}", line) from None
        except yaml.YAMLError as exc:
            raise InputError(f"malformed YAML: {exc}", name) from None
        src = cls(data=data, root=root, name=name)
        if root is not None:
            src._reject_duplicate_keys(root, ())
        return src

    def _reject_duplicate_keys(self, node: yaml.Node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                k = key.value
                if k in seen:
                    field = ".".join(str(p) for p in (*path, k))
                    raise InputError(
                        f"{field}: key '{k}' appears twice",
                        f"{self.name}:{key.start_mark.line + 1}",
                    )
                seen.add(k)
                self._reject_duplicate_keys(value, (*path, k))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._reject_duplicate_keys(item, (*path, i))

    def line(self, loc: tuple) -> int | None:
        """The line of the deepest node on ``loc`` (keys for mappings, indices for lists)."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(part):
                        line = key.start_mark.line + 1
                        node = value
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def where(self, loc: tuple) -> str:
        line = self.line(loc)
        return f"{self.name}:{line}" if line else self.name

    def error(self, loc: tuple, message: str) -> InputError:
        field = ".".join(str(p) for p in loc)
        return InputError(f"{field}: {message}" if field else message, self.where(loc))


def _read(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree of ``text`` and the data built from it, in one pass."""
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data
