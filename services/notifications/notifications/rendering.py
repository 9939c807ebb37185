"""Messages from templates: Jinja2 in its sandbox, HTML autoescaped, undefined variables refused.

A kind's built-in wording is `templates/<language>/<kind>.j2` with three blocks (`subject`,
`text`, `html`); an organization may override the three per kind and language (checked when saved,
see `check_override`). Nothing a template does can reach beyond the variables it is given: the
sandbox refuses attribute walks to Python internals, and `StrictUndefined` turns a misspelt
variable into an error instead of an empty string. The HTML part is wrapped in the layout and its
CSS inlined (css-inline), since mail clients drop <style> blocks. Dates and times are formatted
with Babel in the reader's locale and zone (`when`, `date` and `time` filters).
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import css_inline
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    meta,
    nodes,
    pass_context,
)
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from notifications import kinds
from notifications.delivery_rules import zone

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE = "en"
PARTS = ("subject", "text", "html")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str  # with the layout, CSS inlined


@dataclass(frozen=True)
class Override:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class TemplateProblem:
    part: str  # subject, text or html
    line: int | None
    message: str


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


@pass_context
def _when(context: Context, value: Any) -> str:
    """A date and time in the reader's locale and zone: "Monday, March 9, 2026, 3:00 PM (CET)"."""
    local = _moment(value).astimezone(zone(context.get("_zone", "UTC")))
    locale = babel_locale(context.get("_language", DEFAULT_LANGUAGE))
    day, hour = format_date(local, "full", locale=locale), format_time(local, "short", locale=locale)
    return f"{day}, {hour} ({local.tzname()})"


@pass_context
def _date(context: Context, value: Any) -> str:
    """A day in the reader's locale: a calendar date as it is, an instant on the reader's day."""
    locale = babel_locale(context.get("_language", DEFAULT_LANGUAGE))
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, "long", locale=locale)
    if isinstance(value, str) and len(value) == 10:
        return format_date(date.fromisoformat(value), "long", locale=locale)
    local = _moment(value).astimezone(zone(context.get("_zone", "UTC")))
    return format_date(local, "long", locale=locale)


@pass_context
def _time(context: Context, value: Any) -> str:
    local = _moment(value).astimezone(zone(context.get("_zone", "UTC")))
    locale = babel_locale(context.get("_language", DEFAULT_LANGUAGE))
    return f"{format_time(local, 'short', locale=locale)} ({local.tzname()})"


def _environment(*, html: bool) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters.update(when=_when, date=_date, time=_time)
    return environment


TEXT = _environment(html=False)
HTML = _environment(html=True)
LAYOUT = HTML.get_template("layout.html")
INLINER = css_inline.CSSInliner(keep_style_tags=False)


def languages() -> list[str]:
    """The languages with built-in templates."""
    return sorted(path.name for path in TEMPLATES.iterdir() if path.is_dir())


def built_in_language(language: str, kind: str) -> str:
    """`language` (or its base, "fr" for "fr-CA") if `kind` has a built-in template in it, else English."""
    for candidate in (language, language.split("-", 1)[0].split("_", 1)[0]):
        if (TEMPLATES / candidate / f"{kind}.j2").is_file():
            return candidate
    return DEFAULT_LANGUAGE


def _block(template: Any, name: str, context: Mapping[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(dict(context)))).strip()


@lru_cache(maxsize=2048)
def _compiled_override(part: str, source: str) -> Any:
    return (HTML if part == "html" else TEXT).from_string(source)


def render(
    kind: str,
    context: Mapping[str, Any],
    *,
    language: str,
    time_zone: str,
    override: Override | None = None,
) -> Rendered:
    """The kind's message for one reader (`override`: the organization's wording in this language)."""
    values = {**context, "_language": language, "_zone": time_zone}
    if override is not None:
        subject = _compiled_override("subject", override.subject).render(values).strip()
        text = _compiled_override("text", override.text).render(values).strip()
        body = Markup(_compiled_override("html", override.html).render(values))
    else:
        path = f"{built_in_language(language, kind)}/{kind}.j2"
        subject = _block(TEXT.get_template(path), "subject", values)
        text = _block(TEXT.get_template(path), "text", values)
        body = Markup(_block(HTML.get_template(path), "html", values))
    page = LAYOUT.render({**values, "subject": subject, "body": body})
    return Rendered(subject=" ".join(subject.split()), text=text, html=INLINER.inline(page))


# --- checking an organization's override when it is saved -----------------------------------------


def sample_context(kind: str) -> dict[str, Any]:
    """Plausible values of every variable of `kind`, to try an override with."""
    sample: dict[str, Any] = {}
    for name in kinds.variables(kind):
        if name in ("session_start", "session_end", "previous_start", "due_at"):
            sample[name] = "2026-03-09T14:00:00+00:00"
        elif name in ("target_date", "due_date"):
            sample[name] = "2026-03-20"
        elif name in ("minutes_before",):
            sample[name] = 60
        elif name in ("percent", "modules_done", "modules_total"):
            sample[name] = 3
        elif name == "score":
            sample[name] = 42.0
        elif name == "reasons":
            sample[name] = ["No session in the last four weeks"]
        elif name == "items":
            sample[name] = [{"subject": "A session was booked", "when": "2026-03-09T14:00:00+00:00"}]
        else:
            sample[name] = f"<{name}>"
    return sample


def _unknown_names(tree: nodes.Template, allowed: frozenset[str]) -> list[tuple[str, int]]:
    undeclared = meta.find_undeclared_variables(tree) - allowed
    return sorted(
        {(node.name, node.lineno) for node in tree.find_all(nodes.Name) if node.name in undeclared},
        key=lambda item: (item[1], item[0]),
    )


def _template_line(exc: BaseException) -> int | None:
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == "<template>"]
    return frames[-1].lineno if frames else None


def check_override(kind: str, override: Override) -> list[TemplateProblem]:
    """Why the override cannot be used (empty when it can): syntax errors and unknown variables
    with their line, and anything that fails when rendered with sample values."""
    allowed = kinds.variables(kind)
    problems: list[TemplateProblem] = []
    for part in PARTS:
        source = getattr(override, part)
        environment = HTML if part == "html" else TEXT
        try:
            tree = environment.parse(source)
        except TemplateSyntaxError as exc:
            problems.append(TemplateProblem(part, exc.lineno, f"syntax error: {exc.message}"))
            continue
        unknown = _unknown_names(tree, allowed)
        for name, line in unknown:
            problems.append(
                TemplateProblem(
                    part, line, f"unknown variable {name!r}; allowed: {', '.join(sorted(allowed))}"
                )
            )
        if unknown:
            continue
        try:
            environment.from_string(source).render(
                {**sample_context(kind), "_language": "en", "_zone": "UTC"}
            )
        except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
            problems.append(TemplateProblem(part, _template_line(exc), f"{type(exc).__name__}: {exc}"))
    return problems


def render_subject(
    kind: str, context: Mapping[str, Any], *, language: str, time_zone: str, override: Override | None = None
) -> str:
    """Only the subject line (the inbox's title)."""
    values = {**context, "_language": language, "_zone": time_zone}
    if override is not None:
        subject = _compiled_override("subject", override.subject).render(values)
    else:
        subject = _block(
            TEXT.get_template(f"{built_in_language(language, kind)}/{kind}.j2"), "subject", values
        )
    return " ".join(subject.split())


def choose_override(own: Mapping[str, Override], *, language: str, kind: str) -> tuple[Override | None, str]:
    """Which wording a reader of `language` gets, and the language it is in: the organization's own
    in that language (or its base), else the built-in one in it, else the organization's English,
    else the built-in English."""
    for candidate in dict.fromkeys((language, language.split("-", 1)[0])):
        if candidate in own:
            return own[candidate], candidate
    built_in = built_in_language(language, kind)
    if built_in != DEFAULT_LANGUAGE or DEFAULT_LANGUAGE not in own:
        return None, built_in
    return own[DEFAULT_LANGUAGE], DEFAULT_LANGUAGE
