"""SCIM filters (RFC 7644 §3.4.2.2) as SQL conditions on people and their SCIM identities.

scim2-models parses and checks the filter; this walks its syntax tree. Every comparison is
two-valued (an unassigned attribute compares false, and `ne` true), so `not` means what SCIM
says. Attributes that cannot be filtered on are refused with `invalidFilter`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import ValidationError
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from sqlalchemy import ColumnElement, Table, and_, case, false, func, literal, not_, or_, true
from sqlalchemy.sql.expression import ColumnElement as Column

from profiles.scim.mapping import ENTERPRISE, user_name_key
from profiles.scim.resources import ProvisionedUser
from shared.text import CONTROL_CHARACTERS


class Kind(Enum):
    TEXT = "text"  # compared case-insensitively
    LOWERCASE_TEXT = "lowercase text"  # stored lowercased, so compared without lower() (indexes apply)
    EXACT_TEXT = "exact text"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    ID = "id"


@dataclass(frozen=True)
class Attribute:
    kind: Kind
    column: Column[Any]


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Columns:
    """Where each filterable attribute is, for people joined with their identities."""

    def __init__(self, people: Table, identities: Table) -> None:
        attributes = identities.c.attributes
        kept_email_type = case(
            (
                attributes["email"].astext == people.c.email,
                func.coalesce(attributes["emailType"].astext, "work"),
            ),
            else_=literal("work"),
        )
        # A person without a SCIM identity has their email (stored lowercased) as userName.
        self.user_name = func.coalesce(identities.c.user_name_key, people.c.email)
        self.people = people
        self.identities = identities
        self.attributes: dict[str, Attribute] = {
            "id": Attribute(Kind.ID, people.c.id),
            "externalid": Attribute(Kind.EXACT_TEXT, people.c.external_id),
            "username": Attribute(Kind.LOWERCASE_TEXT, self.user_name),
            "displayname": Attribute(Kind.TEXT, people.c.name),
            "name.formatted": Attribute(Kind.TEXT, people.c.name),
            "name.givenname": Attribute(Kind.TEXT, attributes["name"]["givenName"].astext),
            "name.familyname": Attribute(Kind.TEXT, attributes["name"]["familyName"].astext),
            "title": Attribute(Kind.TEXT, people.c.title),
            "timezone": Attribute(Kind.TEXT, people.c.time_zone),
            "active": Attribute(Kind.BOOLEAN, people.c.active),
            "emails": Attribute(Kind.LOWERCASE_TEXT, people.c.email),
            "emails.value": Attribute(Kind.LOWERCASE_TEXT, people.c.email),
            "emails.type": Attribute(Kind.TEXT, kept_email_type),
            "emails.primary": Attribute(Kind.BOOLEAN, true()),
            "meta.created": Attribute(Kind.DATETIME, people.c.created_at),
            "meta.lastmodified": Attribute(
                Kind.DATETIME, func.greatest(people.c.updated_at, identities.c.updated_at)
            ),
            "enterprise:department": Attribute(Kind.TEXT, people.c.department),
            "enterprise:manager": Attribute(Kind.ID, people.c.manager_id),
            "enterprise:manager.value": Attribute(Kind.ID, people.c.manager_id),
        }


def _key(attr_path: AttrPath, *, within: str | None = None) -> str:
    prefix = ""
    if attr_path.uri and attr_path.uri.casefold() == ENTERPRISE.casefold():
        prefix = "enterprise:"
    name = attr_path.attr if within is None else f"{within}.{attr_path.attr}"
    if attr_path.sub_attr:
        name = f"{name}.{attr_path.sub_attr}"
    return prefix + name.casefold()


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidFilterException(detail=f"{value!r} is not a dateTime") from None


class _SqlFilter(FilterVisitor[ColumnElement[bool]]):
    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        self.within: str | None = None

    def _attribute(self, attr_path: AttrPath) -> Attribute:
        key = _key(attr_path, within=self.within)
        found = self.columns.attributes.get(key)
        if found is None:
            raise InvalidFilterException(detail=f"filtering on {attr_path} is not supported")
        return found

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement[bool]:
        terms = [self.visit(term) for term in node.terms]
        return and_(*terms) if node.op == LogicalOperator.and_ else or_(*terms)

    def visit_not(self, node: Not) -> ColumnElement[bool]:
        return not_(self.visit(node.expr))

    def visit_value_path(self, node: ValuePath) -> ColumnElement[bool]:
        if node.attr_path.attr.casefold() != "emails" or node.attr_path.sub_attr:
            raise InvalidFilterException(detail=f"filtering inside {node.attr_path} is not supported")
        # A profile keeps one address, so "one of the emails matches" is "the email matches".
        self.within = "emails"
        try:
            return self.visit(node.val_filter)
        finally:
            self.within = None

    def visit_present(self, node: Present) -> ColumnElement[bool]:
        attribute = self._attribute(node.attr_path)
        column = attribute.column
        if attribute.kind in (Kind.TEXT, Kind.EXACT_TEXT, Kind.LOWERCASE_TEXT):
            return and_(column.is_not(None), column != "")
        return column.is_not(None)

    def visit_comparison(self, node: Comparison) -> ColumnElement[bool]:
        attribute = self._attribute(node.attr_path)
        if node.attr_path.attr.casefold() == "username" and self.within is None:
            return self._user_name(node)
        match attribute.kind:
            case Kind.TEXT | Kind.EXACT_TEXT | Kind.LOWERCASE_TEXT:
                return self._text(attribute, node)
            case Kind.BOOLEAN:
                return self._boolean(attribute.column, node)
            case Kind.DATETIME:
                return self._ordered(attribute.column, _datetime(node.value), node)
            case Kind.ID:
                return self._id(attribute.column, node)

    def _user_name(self, node: Comparison) -> ColumnElement[bool]:
        if node.op in (CompareOperator.eq, CompareOperator.ne) and isinstance(node.value, str):
            key = user_name_key(node.value)
            people, identities = self.columns.people, self.columns.identities
            # Spelled out rather than on the coalesce, so the unique indexes answer it.
            matches = or_(
                identities.c.user_name_key == key,
                and_(identities.c.person_id.is_(None), people.c.email == key),
            )
            return matches if node.op == CompareOperator.eq else not_(matches)
        return self._text(Attribute(Kind.LOWERCASE_TEXT, self.columns.user_name), node)

    def _text(self, attribute: Attribute, node: Comparison) -> ColumnElement[bool]:
        if not isinstance(node.value, str):
            if node.value is None and node.op in (CompareOperator.eq, CompareOperator.ne):
                present = attribute.column.is_not(None)
                return not_(present) if node.op == CompareOperator.eq else present
            raise InvalidFilterException(detail=f"{node.attr_path} is compared with a string")
        exact = attribute.kind is Kind.EXACT_TEXT
        column = attribute.column if attribute.kind is not Kind.TEXT else func.lower(attribute.column)
        value = node.value if exact else node.value.lower()
        assigned = attribute.column.is_not(None)
        match node.op:
            case CompareOperator.eq:
                return and_(assigned, column == value)
            case CompareOperator.ne:
                return column.is_distinct_from(value)
            case CompareOperator.co:
                return and_(assigned, column.like(f"%{_like(value)}%", escape="\\"))
            case CompareOperator.sw:
                return and_(assigned, column.like(f"{_like(value)}%", escape="\\"))
            case CompareOperator.ew:
                return and_(assigned, column.like(f"%{_like(value)}", escape="\\"))
        return self._ordered(column, value, node)

    @staticmethod
    def _ordered(column: Column[Any], value: Any, node: Comparison) -> ColumnElement[bool]:
        assigned = column.is_not(None)
        match node.op:
            case CompareOperator.eq:
                return and_(assigned, column == value)
            case CompareOperator.ne:
                return column.is_distinct_from(value)
            case CompareOperator.gt:
                return and_(assigned, column > value)
            case CompareOperator.ge:
                return and_(assigned, column >= value)
            case CompareOperator.lt:
                return and_(assigned, column < value)
            case CompareOperator.le:
                return and_(assigned, column <= value)
        raise InvalidFilterException(detail=f"{node.op.value} does not apply to {node.attr_path}")

    @staticmethod
    def _boolean(column: Column[Any], node: Comparison) -> ColumnElement[bool]:
        if not isinstance(node.value, bool) or node.op not in (CompareOperator.eq, CompareOperator.ne):
            raise InvalidFilterException(detail=f"{node.attr_path} is compared with eq or ne and a boolean")
        equal = func.coalesce(column == node.value, false())
        return equal if node.op == CompareOperator.eq else not_(equal)

    @staticmethod
    def _id(column: Column[Any], node: Comparison) -> ColumnElement[bool]:
        if node.op not in (CompareOperator.eq, CompareOperator.ne):
            raise InvalidFilterException(detail=f"{node.attr_path} is compared with eq or ne")
        try:
            value: uuid.UUID | None = uuid.UUID(str(node.value))
        except ValueError:
            value = None  # not an id we could have given: equal to nothing
        equal = false() if value is None else func.coalesce(column == value, false())
        return equal if node.op == CompareOperator.eq else not_(equal)


def parse_filter(text: str) -> FilterNode:
    """The syntax tree of a filter, checked against the User schema (invalidFilter if wrong)."""
    if CONTROL_CHARACTERS.search(text):
        # A NUL byte would otherwise travel into the SQL parameters, which PostgreSQL refuses.
        raise InvalidFilterException(detail="the filter must not contain control characters (such as NUL)")
    try:
        return ScimFilter[ProvisionedUser](text).ast
    except InvalidFilterException:
        raise
    except (ValueError, ValidationError) as exc:
        raise InvalidFilterException(detail=f"invalid filter: {exc}") from None


def filter_condition(text: str, columns: Columns) -> ColumnElement[bool]:
    """The SQL condition of a SCIM filter over people joined with their SCIM identities."""
    return _SqlFilter(columns).visit(parse_filter(text))
