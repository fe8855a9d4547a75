"""`Model`: the base of every egoi-mcp pydantic model, and `list_of`, a validator of a list of one."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter

__all__ = ["Model", "list_of"]

M = TypeVar("M", bound=BaseModel)

_LISTS: dict[type[BaseModel], TypeAdapter[Any]] = {}


class Model(BaseModel):
    """A pydantic model whose validator and serializer are built on first use, not when its module is imported:
    start-up imports every model, and a session uses few of them. (Fields other than the declared ones are
    ignored, pydantic's default.)"""

    model_config = ConfigDict(defer_build=True)


def list_of(model: type[M]) -> TypeAdapter[list[M]]:
    """The validator and serializer of a `list[model]`, built when first asked for and then kept: a page of models
    validated in one pass takes about two thirds of the time of validating them one by one."""
    adapter = _LISTS.get(model)
    if adapter is None:
        adapter = _LISTS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter
