"""The Relay conventions every domain's types follow: the `Node` interface, connections over
a service's page, and node lookups where missing and out of reach look alike."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

import strawberry

from app.platform.errors import NotFound
from app.platform.pagination import Page

N = TypeVar("N")
T = TypeVar("T")
Item = TypeVar("Item")

First = Annotated[int, strawberry.argument(description="Page size, 1 to 100.")]
After = Annotated[
    str | None, strawberry.argument(description="`pageInfo.endCursor` of the previous page.")
]


@strawberry.interface(description="An object `node(id:)` fetches again by its global id.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(description="Always false: pages run forward.")
    start_cursor: str | None = strawberry.field(description="Always null: pages run forward.")
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on the last page."
    )


@strawberry.type
class Edge(Generic[N]):
    node: N
    cursor: str | None = strawberry.field(
        description="Where the page after this edge starts; only the last edge of a page that "
        "has more carries one (the same as `pageInfo.endCursor`)."
    )


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo


def connection(page: Page[Item], build: Callable[[Item], N]) -> Connection[N]:
    """A service page as a Relay connection, with the service's own opaque cursor."""
    last = len(page.items) - 1
    return Connection(
        edges=[
            Edge(node=build(item), cursor=page.next_cursor if i == last else None)
            for i, item in enumerate(page.items)
        ],
        page_info=PageInfo(
            has_next_page=page.next_cursor is not None,
            has_previous_page=False,
            start_cursor=None,
            end_cursor=page.next_cursor,
        ),
    )


async def found(fetch: Awaitable[T], build: Callable[[T], N]) -> N | None:
    """Missing and out of reach look alike: both are null."""
    try:
        return build(await fetch)
    except NotFound:
        return None
