"""A small XML Schema checker for the subset ``junit.xsd`` uses (no schema library is a
dependency): global and local element declarations, ``ref``, named complex types with
simple content, ``sequence`` / ``choice`` with occurrence bounds, typed attributes with
``use``. It raises ``SchemaError`` with a path on the first violation."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

XS = "{http://www.w3.org/2001/XMLSchema}"
SIMPLE_TYPES = {
    "xs:string": re.compile(r".*", re.DOTALL),
    "xs:decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    "xs:nonNegativeInteger": re.compile(r"\+?\d+"),
    "xs:dateTime": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"),
}


class SchemaError(Exception):
    pass


@dataclass
class Particle:
    names: tuple[str, ...]
    min: int
    max: float


@dataclass
class Decl:
    particles: list[Particle] = field(default_factory=list)
    attributes: dict[str, tuple[str, bool]] = field(default_factory=dict)
    text_type: str | None = None  # simple content: text allowed, of this type
    children: dict[str, Decl] = field(default_factory=dict)


def _bounds(node: ET.Element) -> tuple[int, float]:
    high = node.get("maxOccurs", "1")
    return int(node.get("minOccurs", "1")), float("inf") if high == "unbounded" else int(high)


class Schema:
    def __init__(self, path: Path) -> None:
        root = ET.parse(path).getroot()
        self.types = {t.get("name", ""): t for t in root.findall(f"{XS}complexType")}
        self.globals: dict[str, Decl] = {}
        self._pending = {e.get("name", ""): e for e in root.findall(f"{XS}element")}
        for name in list(self._pending):
            self._global(name)

    def _global(self, name: str) -> Decl:
        if name not in self.globals:
            self.globals[name] = Decl()  # placeholder against recursion
            self.globals[name] = self._decl(self._pending[name])
        return self.globals[name]

    def _decl(self, node: ET.Element) -> Decl:
        type_name = node.get("type")
        if type_name in SIMPLE_TYPES:
            return Decl(text_type=type_name)
        complex_node = self.types[type_name] if type_name else node.find(f"{XS}complexType")
        decl = Decl()
        if complex_node is None:
            return decl
        simple = complex_node.find(f"{XS}simpleContent/{XS}extension")
        if simple is not None:
            decl.text_type = simple.get("base")
            complex_node = simple
        for attribute in complex_node.findall(f"{XS}attribute"):
            decl.attributes[attribute.get("name", "")] = (
                attribute.get("type", "xs:string"),
                attribute.get("use") == "required",
            )
        sequence = complex_node.find(f"{XS}sequence")
        for item in [] if sequence is None else list(sequence):
            low, high = _bounds(item)
            if item.tag == f"{XS}choice":
                options = [self._child(decl, option) for option in item.findall(f"{XS}element")]
                decl.particles.append(Particle(tuple(options), low, high))
            else:
                decl.particles.append(Particle((self._child(decl, item),), low, high))
        return decl

    def _child(self, parent: Decl, node: ET.Element) -> str:
        ref = node.get("ref")
        if ref:
            parent.children[ref] = self._global(ref)
            return ref
        name = node.get("name", "")
        parent.children[name] = self._decl(node)
        return name

    def validate(self, element: ET.Element) -> None:
        if element.tag not in self.globals:
            raise SchemaError(f"unexpected root element {element.tag}")
        self._check(element, self.globals[element.tag], element.tag)

    def _check(self, element: ET.Element, decl: Decl, path: str) -> None:
        for name, value in element.attrib.items():
            if name not in decl.attributes:
                raise SchemaError(f"{path}: attribute {name!r} not allowed")
            kind = decl.attributes[name][0]
            if not SIMPLE_TYPES[kind].fullmatch(value):
                raise SchemaError(f"{path}/@{name}: {value!r} is not {kind}")
        for name, (_, required) in decl.attributes.items():
            if required and name not in element.attrib:
                raise SchemaError(f"{path}: attribute {name!r} missing")
        text = (element.text or "") + "".join(child.tail or "" for child in element)
        if decl.text_type is None and text.strip():
            raise SchemaError(f"{path}: text not allowed")
        if decl.text_type is not None and not SIMPLE_TYPES[decl.text_type].fullmatch(text):
            raise SchemaError(f"{path}: text is not {decl.text_type}")
        children = list(element)
        position = 0
        for particle in decl.particles:
            count = 0
            while (
                position < len(children)
                and children[position].tag in particle.names
                and count < particle.max
            ):
                child = children[position]
                self._check(child, decl.children[child.tag], f"{path}/{child.tag}[{position}]")
                position += 1
                count += 1
            if count < particle.min:
                raise SchemaError(f"{path}: expected {particle.names} at child {position}")
        if position < len(children):
            raise SchemaError(f"{path}: unexpected element {children[position].tag} at {position}")
