import httpx
import pytest

from tests.factories import World
from tests.gql.client import GraphQL


@pytest.fixture
def gql(client: httpx.AsyncClient, world: World) -> GraphQL:
    return GraphQL(client, world)
