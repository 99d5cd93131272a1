"""The committed API contracts: openapi/openapi.json and graphql/schema.graphql.

`python -m app.contracts --write` refreshes them from the code; `--check` fails when they
have drifted (the test suite runs the same check).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENAPI_PATH = ROOT / "openapi" / "openapi.json"
SDL_PATH = ROOT / "graphql" / "schema.graphql"


def openapi_text() -> str:
    from app.main import create_app
    from app.platform.settings import Settings

    # Built without I/O: the contract does not depend on a database.
    app = create_app(Settings(database_url="postgresql://contract@localhost/contract"))
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def sdl_text() -> str:
    from app.gql.schema import schema

    return schema.as_str() + "\n"


def drifted() -> list[Path]:
    """The snapshot files that differ from what the code produces now."""
    stale = []
    for path, produce in ((OPENAPI_PATH, openapi_text), (SDL_PATH, sdl_text)):
        if not path.exists() or path.read_text(encoding="utf-8") != produce():
            stale.append(path)
    return stale


def write() -> None:
    OPENAPI_PATH.parent.mkdir(exist_ok=True)
    OPENAPI_PATH.write_text(openapi_text(), encoding="utf-8")
    SDL_PATH.write_text(sdl_text(), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.write:
        write()
        return
    stale = drifted()
    if stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        sys.exit(f"Out of date: {names}. Run `make snapshots` and commit the result.")


if __name__ == "__main__":
    main()
