"""The seed's flat method names (`client.create_contact(...)`) as aliases of the resource groups' methods
(`client.contacts.create(...)`): same signature, same behaviour, typed, and documented by what they stand for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

G = TypeVar("G")
P = ParamSpec("P")
R = TypeVar("R")


class alias(Generic[G, P, R]):  # lower case: it reads like the method it stands for
    """`name = alias("contacts", ContactsAPI.create)` on a client: `client.name(...)` is
    `client.contacts.create(...)`."""

    def __init__(self, group: str, method: Callable[Concatenate[G, P], R]) -> None:
        self.group = group
        self.method = method
        self.__doc__ = f"Alias of `{group}.{method.__name__}`: {method.__doc__ or ''}".strip()

    @overload
    def __get__(self, client: None, owner: type[Any]) -> alias[G, P, R]: ...
    @overload
    def __get__(self, client: object, owner: type[Any]) -> Callable[P, R]: ...
    def __get__(self, client: object | None, owner: type[Any]) -> alias[G, P, R] | Callable[P, R]:
        if client is None:
            return self
        bound: Callable[P, R] = getattr(getattr(client, self.group), self.method.__name__)
        return bound

    def __repr__(self) -> str:
        return f"alias of {self.group}.{self.method.__name__}"
