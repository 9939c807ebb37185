"""Routes that answer at a new path and, deprecated, at the old one, while clients move.

When a public path is renamed (one vocabulary across services), the old path stays: the same
handler is registered again with `deprecated=True`, so OpenAPI marks it and generated clients warn,
and both paths behave identically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import APIRouter

Handler = TypeVar("Handler", bound=Callable[..., Any])


def route(
    router: APIRouter,
    method: str,
    path: str,
    *,
    deprecated_paths: Sequence[str] = (),
    **options: Any,
) -> Callable[[Handler], Handler]:
    """Register the decorated handler for `method` at `path` and at each of `deprecated_paths`
    (marked deprecated, listed in the schema). `options` are those of `APIRouter.add_api_route`;
    the deprecated routes' summaries name the path to use instead."""

    def register(handler: Handler) -> Handler:
        router.add_api_route(path, handler, methods=[method], **options)
        summary = options.get("summary")
        instead = f"{router.prefix}{path}"
        for old in deprecated_paths:
            replaced = {**options, "deprecated": True, "include_in_schema": True}
            replaced["summary"] = (
                f"{summary} (deprecated: use {instead})" if summary else f"Deprecated: use {instead}"
            )
            router.add_api_route(old, handler, methods=[method], **replaced)
        return handler

    return register
