"""How routes are declared: `Routes`, one line per operation by what it does; and routes that
answer at a new path and, deprecated, at the old one, while clients move.

When a public path is renamed (one vocabulary across services), the old path stays: the same
handler is registered again with `deprecated=True`, so OpenAPI marks it and generated clients warn,
and both paths behave identically.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import APIRouter

from shared.responses import problems

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


class Routes(APIRouter):
    """One resource's routes, each declared in one line by what it does.

    `@router.reads(path, Model, 403, 404)` registers a GET answering with `Model` and the listed
    problem statuses (shared.responses.problems); `creates` is a POST answering 201, `posts` a POST
    answering 200 (actions), `puts` and `patches` replace and change, `deletes` answers 204 (200
    with the `Model` it names).
    The handler's docstring is the operation's documentation: its first paragraph the summary,
    the rest the description (what remains as the handler's `__doc__`, which FastAPI reads).
    Other options are those of `APIRouter.add_api_route` (for example `responses` beyond the
    problems, `response_class`, `status_code`), plus `deprecated_paths`
    (see `route`). The tag and its description are declared once here and collected by the app.
    """

    def __init__(
        self, tag: str | None = None, description: str | None = None, *, prefix: str = "/v1"
    ) -> None:
        super().__init__(prefix=prefix, tags=[tag] if tag else None)
        self.tag: dict[str, str] | None = None
        if tag:
            self.tag = {"name": tag, "description": description} if description else {"name": tag}

    def reads(self, path: str, model: Any = None, /, *statuses: int, **options: Any) -> Decorator:
        return self._endpoint("GET", path, model, statuses, options)

    def creates(self, path: str, model: Any = None, /, *statuses: int, **options: Any) -> Decorator:
        return self._endpoint("POST", path, model, statuses, {"status_code": 201, **options})

    def posts(self, path: str, model: Any = None, /, *statuses: int, **options: Any) -> Decorator:
        return self._endpoint("POST", path, model, statuses, options)

    def puts(self, path: str, model: Any = None, /, *statuses: int, **options: Any) -> Decorator:
        return self._endpoint("PUT", path, model, statuses, options)

    def patches(self, path: str, model: Any = None, /, *statuses: int, **options: Any) -> Decorator:
        return self._endpoint("PATCH", path, model, statuses, options)

    def deletes(self, path: str, model: Any = None, /, *statuses: int, **options: Any) -> Decorator:
        no_content = {} if model is not None else {"status_code": 204}
        return self._endpoint("DELETE", path, model, statuses, {**no_content, **options})

    def _endpoint(
        self, method: str, path: str, model: Any, statuses: tuple[int, ...], options: dict[str, Any]
    ) -> Decorator:
        def register(handler: Handler) -> Handler:
            summary, description = documentation(handler)
            if summary:
                options.setdefault("summary", summary)
            if statuses or "responses" in options:
                options["responses"] = {**problems(*statuses), **options.get("responses", {})}
            if model is not None:
                options["response_model"] = model
            # FastAPI describes an operation with its handler's docstring: keep only the description.
            handler.__doc__ = description or None
            return route(self, method, path, **options)(handler)

        return register


Decorator = Callable[[Handler], Handler]


def documentation(handler: Callable[..., Any]) -> tuple[str, str]:
    """The summary (first paragraph, on one line) and the description (the rest) of a docstring."""
    text = inspect.cleandoc(handler.__doc__ or "")
    first, _, rest = text.partition("\n\n")
    return " ".join(first.split("\n")), rest.split("\f")[0].strip()


def openapi_tags(routers: Sequence[APIRouter]) -> list[dict[str, Any]]:
    """The tags the routers declare (`Routes`), once each, in the routers' order."""
    tags: dict[str, dict[str, Any]] = {}
    for router in routers:
        tag = getattr(router, "tag", None)
        if tag is not None:
            tags.setdefault(tag["name"], tag)
    return list(tags.values())
