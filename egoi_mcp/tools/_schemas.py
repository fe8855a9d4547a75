"""The tools' JSON schemas, as clients read them: compact, optional = nullable, and portable outputs.

The model reads every tool's schemas on every turn, so they drop pydantic's generated `title`s and
`default: null`. Every optional argument admits null, spelled `anyOf: [{type: T}, {type: null}]` (a `type` array
is legal but not portable): strict-mode clients (OpenAI's strict function calling) make every property required
and send null for the ones the model leaves out; the server treats null as omitted. Output schemas type every
top-level property, each with one `type`, and leave nested shapes to the result itself; properties sharing a type
are named together, under one `patternProperties` entry (`^(sent|delivered|opens)$: {type: integer}`), so a type is
said once however many fields have it, and so is a word the names share (`(unique_)?(opens|clicks)`,
`(hard|soft)_bounces`): each pattern matches exactly the names it stands for.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["compact_schema", "strict_output_schema"]

_NULL = {"type": "null"}
_OUTPUT_NOISE = ("default", "format")  # what a result's reader does not need
_ABOUT = ("description", "default", "examples")  # said of the property, not of one branch


def compact_schema(schema: Any) -> Any:
    """An input schema in fewer tokens, with every optional property nullable."""
    out = _compact(schema)
    if isinstance(out, dict) and isinstance(out.get("properties"), dict):
        required = set(out.get("required", ()))
        out["properties"] = {
            name: sub if name in required else _nullable(sub) for name, sub in out["properties"].items()
        }
    return out


def strict_output_schema(schema: Any) -> Any:
    """An output schema in fewer tokens: the top level's properties, each typed. A nested array or object is typed
    as such, its inner shape left to the result's JSON, and which fields are always there is not said: the model
    reads the schemas of every tool on every turn, and the results themselves say the rest."""
    out = _portable(_inline(_compact(schema, optional_null=False)))
    if isinstance(out, dict) and isinstance(out.get("properties"), dict):
        out.pop("required", None)
        out.update(_by_type({name: _outline(sub) for name, sub in out.pop("properties").items()}))
    return out


def _by_type(properties: dict[str, Any]) -> dict[str, Any]:
    """`properties`, and `patternProperties` naming together the ones that share a schema (in their order)."""
    groups: dict[str, list[str]] = {}
    for name, sub in properties.items():
        groups.setdefault(json.dumps(sub, sort_keys=True), []).append(name)
    alone = {names[0]: properties[names[0]] for names in groups.values() if len(names) == 1}
    shared = {_pattern(names): properties[names[0]] for names in groups.values() if len(names) > 1}
    return {**({"properties": alone} if alone else {}), **({"patternProperties": shared} if shared else {})}


def _pattern(names: list[str]) -> str:
    """A regex matching exactly `names`, each shared word said once, in the order of the names.

    A name that is another one with a first word added (`opens`, `unique_opens`) goes with the others that add
    that word: `(unique_)?(opens|clicks)`. Names ending in the same word go together: `(hard|soft)_bounces`."""
    term_of: dict[str, str] = {}
    by_first: dict[str, list[str]] = {}
    for name in names:
        first, _, rest = name.partition("_")
        if rest in names and rest not in term_of and name not in term_of:
            by_first.setdefault(first, []).append(rest)
            term_of[rest] = term_of[name] = first
    for first, rests in by_first.items():
        term = f"({re.escape(first)}_)?{_either(rests)}"
        term_of.update({name: term for rest in rests for name in (rest, f"{first}_{rest}")})
    by_last: dict[str, list[str]] = {}
    for name in names:
        head, _, last = name.rpartition("_")
        if head and name not in term_of:
            by_last.setdefault(last, []).append(head)
    for last, heads in by_last.items():
        if len(heads) > 1:
            term_of.update({f"{head}_{last}": f"{_either(heads)}_{re.escape(last)}" for head in heads})
    terms = list(dict.fromkeys(term_of.get(name, re.escape(name)) for name in names))
    return f"^{terms[0]}$" if len(terms) == 1 else f"^({'|'.join(terms)})$"


def _either(words: list[str]) -> str:
    return re.escape(words[0]) if len(words) == 1 else f"({'|'.join(map(re.escape, words))})"


def _outline(schema: Any) -> Any:
    """A property's schema without its inner shape: `{type: array}` or `{type: object}` when it nests."""
    if not isinstance(schema, dict):
        return schema
    branches = [b for b in schema.get("anyOf", ()) if isinstance(b, dict) and b.get("type") != "null"]
    if len(branches) == 1 and (branches[0].get("type") == "object" or "properties" in branches[0]):
        return {"type": "object"}  # a nullable nested model, outlined like one that is always there
    if schema.get("type") == "array":
        return {"type": "array"}
    if schema.get("type") == "object" or "properties" in schema:
        return {"type": "object"}
    return schema


def _inline(schema: Any) -> Any:
    """The schema with each `$ref` to its `$defs` replaced by the definition (ours are never recursive)."""
    if not isinstance(schema, dict) or "$defs" not in schema:
        return schema
    defs = schema["$defs"]

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return resolve(defs[ref.removeprefix("#/$defs/")])
        return {key: resolve(value) for key, value in node.items()}

    return resolve({key: value for key, value in schema.items() if key != "$defs"})


def _compact(schema: Any, *, optional_null: bool = True) -> Any:
    if isinstance(schema, list):
        return [_compact(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default":  # null/false: what leaving it out means; others: the instructions or descriptions say
            continue
        if key == "additionalProperties" and value is True:  # JSON Schema's default: it says nothing
            continue
        if key in ("properties", "$defs"):
            out[key] = {name: _compact(sub, optional_null=optional_null) for name, sub in value.items()}
        else:
            out[key] = _compact(value, optional_null=optional_null)
    options = out.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and _NULL in options:
        other = next(o for o in options if o != _NULL)
        if isinstance(other.get("type"), str):
            del out["anyOf"]
            out.update(_nullable(other) if optional_null else other)
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema, also admitting null: `anyOf: [{type: T, ...}, {type: null}]`, each branch of one type,
    which every client dialect reads (a `type` array is legal JSON Schema but not portable: the MCP Inspector's
    strict mode warns on it)."""
    out = dict(schema)
    if "enum" in out:
        out.pop("type", None)  # the values say the type
        if None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    if "anyOf" in out:
        if _NULL not in out["anyOf"]:
            out["anyOf"] = [*out["anyOf"], _NULL]
        return out
    if "$ref" in out:
        return {"anyOf": [{"$ref": out.pop("$ref")}, _NULL], **out}
    if not isinstance(out.get("type"), str) or out["type"] == "null":
        return out
    about = {key: out.pop(key) for key in _ABOUT if key in out}
    return {"anyOf": [out, _NULL], **about}


def _portable(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_portable(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _portable(value) for key, value in schema.items() if key not in _OUTPUT_NOISE}
    if out.get("additionalProperties") is True:
        del out["additionalProperties"]
    for key in ("properties", "$defs"):
        if isinstance(schema.get(key), dict):
            out[key] = {name: _portable(sub) or {"type": "object"} for name, sub in schema[key].items()}
    if "enum" in out:
        out.pop("type", None)  # the values say the type
    properties = out.get("properties")
    if isinstance(properties, dict) and "next_cursor" in properties:
        properties["next_cursor"] = {"anyOf": [{"type": "string"}, _NULL]}  # null at the end, always there
    return out
