"""`Model`: the base of every egoi-mcp pydantic model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Model"]


class Model(BaseModel):
    """A pydantic model whose validator and serializer are built on first use, not when its module is imported:
    start-up imports every model, and a session uses few of them. (Fields other than the declared ones are
    ignored, pydantic's default.)"""

    model_config = ConfigDict(defer_build=True)
