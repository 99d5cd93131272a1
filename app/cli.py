"""The `insight` command: serve, worker, migrate, seed, themes, import, token, backup, restore."""

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import func, select

from app.platform import logs, tracing
from app.platform.db import create_engine, database_url, session_factory, transaction
from app.platform.settings import Settings

if TYPE_CHECKING:
    from app.platform.backups import Outcome, Progress


def _migrate(url: str) -> None:
    from app.platform.migrations import upgrade

    upgrade(url)


async def _seed(settings: Settings, url: str, *, only_if_empty: bool) -> None:
    from app.demo.seed import seed_demo
    from app.org.models import Organisation

    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            if only_if_empty and await session.scalar(select(func.count(Organisation.id))):
                print("The database has data; demo data not added.")
                return
            summary = await seed_demo(session)
        print(summary)
        # The demo shows themes out of the box: its insights are embedded and clustered now.
        await _themes(settings, url, org_slug=summary.slug, embed=True, recluster=True)
    finally:
        await engine.dispose()


class _Progress:
    """One line per step that rewrites itself in a terminal, and a line per tenth elsewhere."""

    def __init__(self) -> None:
        self.step: str | None = None
        self.shown = -1

    async def __call__(self, step: str, done: int, total: int) -> None:
        tenth = 10 * done // total if total else 10
        if step == self.step and tenth == self.shown and done != total:
            return
        if self.step is not None and step != self.step and sys.stdout.isatty():
            print()
        self.step, self.shown = step, tenth
        line = f"  {step}: {done}/{total}" if total else f"  {step}"
        if sys.stdout.isatty():
            print("\r" + line, end="", flush=True)
        else:
            print(line, flush=True)

    def close(self) -> None:
        if self.step is not None and sys.stdout.isatty():
            print()


async def _themes(
    settings: Settings, url: str, *, org_slug: str | None, embed: bool, recluster: bool
) -> None:
    from app.org.models import Organisation
    from app.themes.catchup import embed_all, recluster_now
    from app.themes.embedder import load_embedder

    embedder = load_embedder(settings.embedder)
    engine = create_engine(url, pool_size=1)
    sessions = session_factory(engine)
    progress = _Progress()
    try:
        if embed:
            print("Embedding insight texts:")
            report = await embed_all(sessions, embedder, progress)
            progress.close()
            print(f"{report.embedded} insights embedded with {embedder.name}.")
        if recluster:
            async with sessions() as session:
                query = select(Organisation.id, Organisation.slug).order_by(Organisation.slug)
                if org_slug:
                    query = query.where(Organisation.slug == org_slug)
                organisations = (await session.execute(query)).all()
            if org_slug and not organisations:
                raise SystemExit(f"No organisation {org_slug}.")
            for org in organisations:
                print(f"Re-clustering the themes of {org.slug}:")
                progress = _Progress()
                outcome = await recluster_now(sessions, org.id, embedder, progress)
                progress.close()
                print(
                    f"{outcome.themes} themes ({outcome.created} new, {outcome.kept} kept, "
                    f"{outcome.retired} retired) over {outcome.themed} of "
                    f"{outcome.insights} insights."
                )
    finally:
        await engine.dispose()


IMPORT_KINDS = ("ex-responses", "ex-aggregates", "cx-outcomes")
# The bytes of a file read at a time.
_CHUNK = 256 * 1024


class _RowProgress:
    """Rows validated and stored, on one line that rewrites itself in a terminal, and a
    line per tenth of the file elsewhere."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.shown = -1
        self.printed = False

    async def __call__(self, validated: int, stored: int) -> None:
        line = f"  {validated:,} of about {self.total:,} rows validated, {stored:,} stored"
        if sys.stdout.isatty():
            print("\r" + line, end="", flush=True)
            self.printed = True
            return
        tenth = 10 * validated // self.total if self.total else 10
        if tenth != self.shown:
            self.shown = tenth
            print(line, flush=True)

    def close(self) -> None:
        if self.printed:
            print()
            self.printed = False


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            yield chunk


def _lines_in(path: Path) -> int:
    with path.open("rb") as file:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(_CHUNK), b""))


async def _import(url: str, kind: str, path: Path, org_slug: str, *, replace: bool) -> int:
    """Import a CSV file of EX results or CX outcomes into an organisation; the exit
    status: 0 when imported or already there, 1 when the file was refused."""
    from app.org.models import Organisation
    from app.outcomes.models import ImportKind
    from app.outcomes.service import ImportInvalid, import_as_operator
    from app.platform import tenancy
    from app.platform.errors import DomainError

    engine = create_engine(url, pool_size=1)
    sessions = session_factory(engine)
    progress = _RowProgress(max(_lines_in(path) - 1, 1))
    try:
        async with sessions() as session:
            org_id = await session.scalar(
                select(Organisation.id).where(Organisation.slug == org_slug)
            )
        if org_id is None:
            raise SystemExit(f"No organisation {org_slug}.")
        print(f"Importing {path.name} into {org_slug} as {kind}:")
        try:
            async with transaction(sessions) as session:
                await tenancy.enter(session, org_id)
                report, created = await import_as_operator(
                    session,
                    org_id,
                    ImportKind(kind.replace("-", "_")),
                    _file_chunks(path),
                    replace=replace,
                    source=path.name,
                    progress=progress,
                )
        except ImportInvalid as refused:
            progress.close()
            print(f"Nothing was imported: {refused.extra['bad_rows']} bad rows.")
            for bad in refused.extra["errors"]:
                column = f", column {bad['column']}" if bad["column"] else ""
                value = f" (value: {bad['value']!r})" if bad["value"] is not None else ""
                print(f"  line {bad['line']}{column}: {bad['reason']}{value}")
            if refused.extra["truncated"]:
                print(f"  … and {refused.extra['bad_rows'] - len(refused.extra['errors'])} more.")
            return 1
        except DomainError as refused:
            progress.close()
            print(f"Nothing was imported: {refused.detail}")
            return 1
        progress.close()
        if not created:
            print(
                f"Nothing changed: the same rows were imported on "
                f"{report.created_at:%Y-%m-%d %H:%M} UTC (import {report.id})."
            )
            return 0
        replaced = f", replacing {report.replaced} earlier values" if report.replaced else ""
        print(
            f"Imported {report.rows:,} rows over {report.units} units and "
            f"{len(report.periods)} months ({', '.join(report.periods)}){replaced}: "
            f"import {report.id}."
        )
        return 0
    finally:
        await engine.dispose()


async def _token(settings: Settings, url: str, email: str, org_slug: str | None) -> str:
    from app.auth.tokens import BuiltinKeys, issue_access_token
    from app.org.models import Organisation, Person

    engine = create_engine(url, pool_size=1)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            query = select(Person.subject).where(
                Person.email == email.strip().lower(), Person.active.is_(True)
            )
            if org_slug:
                query = query.join(Organisation, Organisation.id == Person.org_id).where(
                    Organisation.slug == org_slug
                )
            subjects = list(await session.scalars(query))
        if not subjects:
            raise SystemExit(f"No active person with e-mail {email}.")
        if len(subjects) > 1:
            raise SystemExit(f"{email} is in several organisations; name one with --org.")
        return await issue_access_token(
            BuiltinKeys(sessions),
            issuer=settings.issuer,
            audience=settings.oidc_audience,
            subject=subjects[0],
            lifetime_seconds=settings.access_token_minutes * 60,
        )
    finally:
        await engine.dispose()


async def _work(settings: Settings, url: str, concurrency: int) -> None:
    from app.attachments.storage import store_from_settings
    from app.jobs import build_queue, run_worker
    from app.platform.mail import SmtpMailer
    from app.platform.sms import SmsGateway

    # procrastinate reports every job it runs at INFO, and each job writes its own line.
    logs.configure(settings.log_format)
    print("Insight worker: running the task queue until stopped (SIGINT or SIGTERM).")
    engine = create_engine(url, pool_size=concurrency)
    queue = build_queue(url, pool_size=concurrency + 1)
    provider = tracing.provider_from(settings)
    if provider is not None:
        tracing.start(provider)
        tracing.trace_engine(engine, provider)
    try:
        async with queue.open_async():
            await run_worker(
                queue,
                session_factory(engine),
                concurrency=concurrency,
                webhook_allow_loopback=settings.webhook_allow_loopback,
                mailer=SmtpMailer.from_settings(settings),
                sms_gateway=SmsGateway.from_settings(settings),
                attachments=store_from_settings(settings),
                stalled_seconds=settings.stalled_job_seconds,
                shutdown_seconds=settings.shutdown_seconds,
            )
    finally:
        await engine.dispose()
        if provider is not None:
            provider.shutdown()


class _TableProgress:
    """ "table i/N" on one line that rewrites itself in a terminal, a line each elsewhere."""

    def __init__(self) -> None:
        self.printed = False

    async def __call__(self, step: str, done: int, total: int) -> None:
        line = (
            f"  table {done}/{total}: {step}"
            if step.startswith(("dumping", "restoring"))
            else f"  {step}"
        )
        if sys.stdout.isatty():
            print("\r\033[K" + line, end="", flush=True)
            self.printed = True
        elif done < total or not step.startswith(("checking", "counting", "dropping")):
            print(line, flush=True)

    def close(self) -> None:
        if self.printed:
            print()
            self.printed = False


def _rows_report(outcome: "Outcome", expected_label: str, found_label: str) -> None:
    names = sorted(set(outcome.expected) | set(outcome.found))
    width = max((len(name) for name in names), default=5)
    print(f"  {'table':<{width}}  {expected_label:>12}  {found_label:>12}")
    for name in names:
        expected, found = outcome.expected.get(name), outcome.found.get(name)
        mark = "" if expected == found else "  <- differs"
        shown = [
            f"{value:>12,}" if value is not None else f"{'-':>12}" for value in (expected, found)
        ]
        print(f"  {name:<{width}}  {shown[0]}  {shown[1]}{mark}")


def _with_progress(
    command: str,
    run: Callable[["Progress"], Coroutine[Any, Any, "Outcome"]],
    expected: str,
    found: str,
) -> "Outcome | None":
    """Run a backup or restore with a progress line; its row counts table by table, or
    None when it was refused (said on stderr)."""
    from app.platform.backups import BackupError

    progress = _TableProgress()
    try:
        outcome = asyncio.run(run(progress))
    except BackupError as refused:
        progress.close()
        print(f"insight {command}: {refused}", file=sys.stderr)
        return None
    progress.close()
    _rows_report(outcome, expected, found)
    return outcome


def _backup(url: str, path: Path, *, force: bool) -> int:
    from app.platform.backups import backup

    print(f"Backing up the database to {path}:")
    outcome = _with_progress(
        "backup",
        lambda progress: backup(url, path, progress, overwrite=force),
        "in snapshot",
        "in backup",
    )
    if outcome is None:
        return 1
    rows, size = sum(outcome.found.values()), path.stat().st_size
    print(f"{len(outcome.found)} tables, {rows:,} rows, one snapshot: {path} ({size:,} bytes).")
    return 0


def _restore(url: str, path: Path, *, clean: bool) -> int:
    from app.platform.backups import restore

    print(f"Restoring {path}:")
    outcome = _with_progress(
        "restore",
        lambda progress: restore(url, path, progress, clean=clean),
        "in backup",
        "restored",
    )
    if outcome is None:
        return 1
    if outcome.mismatched:
        print(f"Rows differ in {len(outcome.mismatched)} tables: {', '.join(outcome.mismatched)}.")
        return 1
    rows = sum(outcome.found.values())
    print(f"{len(outcome.found)} tables, {rows:,} rows restored, every row found.")
    return 0


def _serve(settings: Settings, url: str, seed_demo: bool, processes: int = 1) -> None:
    import uvicorn

    from app.main import create_app
    from app.web.serving import server_config

    logs.configure(settings.log_format)
    _migrate(url)
    if seed_demo:
        asyncio.run(_seed(settings, url, only_if_empty=True))
    print(f"Insight on {settings.base_url}  (REST /api/v1, docs /docs, GraphQL /graphql)")

    def config() -> uvicorn.Config:
        # The app shares the resolved URL, so an embedded server started here is reused.
        app = create_app(settings.model_copy(update={"database_url": url}))
        # On SIGTERM (or SIGINT) the server stops accepting connections, lets the requests
        # in flight finish for up to `shutdown_seconds` (then cancels them), stops the
        # in-process worker as gracefully, closes the pools and exits 0.
        return server_config(
            app,
            settings,
            host=settings.host,
            port=settings.port,
            log_level="info",
            proxy_headers=True,
            timeout_graceful_shutdown=settings.shutdown_seconds,
            # The platform writes its own line per request (`app.web.access_log`), and the
            # logging is set up above.
            access_log=False,
            log_config=None,
        )

    # uvicorn re-raises SIGTERM after its graceful shutdown; with the default handler that
    # would kill the process before the embedded PostgreSQL is stopped at exit.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    if processes <= 1:
        server = uvicorn.Server(config())
        server.run()
        if not server.started:  # the port was taken, say; uvicorn has logged why
            sys.exit(3)
        return
    sys.exit(_serve_processes(config, processes))


def _serve_processes(config: Callable[[], Any], processes: int) -> int:
    """`processes` API processes forked from this one, sharing its listening socket; this
    one passes SIGTERM and SIGINT on to them, waits for them and keeps the embedded
    PostgreSQL (when it started it) until the last has stopped. Returns 0 when every one
    stopped cleanly."""
    import uvicorn

    first = config()
    sock = first.bind_socket()
    children: list[int] = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:  # a server process: its own application, pools and event loop
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            server = uvicorn.Server(config())
            code = 3
            try:
                server.run(sockets=[sock])
                code = 0 if server.started else 3
            finally:
                os._exit(code)  # the parent's exit handlers are the parent's
        children.append(pid)
    sock.close()

    def forward(signum: int, frame: Any) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    worst = 0
    for child in children:
        _, status = os.waitpid(child, 0)
        code = os.waitstatus_to_exitcode(status)
        # A server stopped by SIGTERM re-raises it once it has finished: a clean stop.
        if code not in (0, -signal.SIGTERM):
            worst = max(worst, abs(code))
    return worst


def settings_problems(invalid: ValidationError) -> str:
    """Every problem of the settings on a line of its own, named as the environment names it;
    values are not shown (a URL or a token may hold a secret)."""
    lines = []
    for error in invalid.errors():
        name, *within = (str(part) for part in error["loc"])
        where = "".join(f"[{part}]" for part in within)
        lines.append(f"  - INSIGHT_{name.upper()}{where}: {error['msg']}")
    count = len(lines)
    heading = f"insight: {count} setting{'s are' if count > 1 else ' is'} not valid:"
    return "\n".join([heading, *lines])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="insight", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API (embedded PostgreSQL by default)")
    serve.add_argument("--host", help="the address to listen on (INSIGHT_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="the port to listen on (INSIGHT_PORT, 8000)")
    serve.add_argument(
        "--seed-demo", action="store_true", help="add the demo organisation to an empty database"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes sharing the address (each with its own pools)",
    )

    worker = commands.add_parser(
        "worker", help="run the task queue (deadlines, escalation) until stopped"
    )
    worker.add_argument("--concurrency", type=int, default=1, help="jobs at a time")

    commands.add_parser("migrate", help="apply the database migrations")

    seed = commands.add_parser("seed", help="add data")
    seed.add_argument("--demo", action="store_true", required=True, help="the demo retail chain")

    themes = commands.add_parser(
        "themes", help="embed waiting insight texts and re-cluster themes now, with progress"
    )
    themes.add_argument("--org", help="only this organisation (slug) is re-clustered")
    themes.add_argument(
        "--embed-only", action="store_true", help="embed the backlog, do not re-cluster"
    )

    imported = commands.add_parser(
        "import",
        help="import EX results or CX outcomes from a CSV file, whole or not at all",
    )
    imported.add_argument("kind", choices=IMPORT_KINDS, help="what the file holds")
    imported.add_argument("file", type=Path, help="a CSV file, UTF-8")
    imported.add_argument("--org", required=True, help="the organisation (slug)")
    imported.add_argument(
        "--replace",
        action="store_true",
        help="replace values earlier imports stored for the same units and months",
    )

    token = commands.add_parser("token", help="print an access token (built-in issuer only)")
    token.add_argument("--email", required=True)
    token.add_argument("--org", help="organisation slug, when the e-mail is in several")

    backup = commands.add_parser(
        "backup", help="write the whole database to FILE (pg_dump custom format), one snapshot"
    )
    backup.add_argument("file", type=Path, help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")

    restore = commands.add_parser(
        "restore", help="restore a backup into an empty database and count every table's rows"
    )
    restore.add_argument("file", type=Path, help="a file written by `insight backup`")
    restore.add_argument(
        "--clean",
        action="store_true",
        help="drop everything the database holds first (stop the API and workers before)",
    )

    args = parser.parse_args(argv)
    # The address served is where clients are sent (discovery, the tokens' issuer) unless
    # INSIGHT_PUBLIC_URL names another.
    listening = {
        name: value for name in ("host", "port") if (value := getattr(args, name, None)) is not None
    }
    try:
        settings = Settings(**listening)
    except ValidationError as invalid:
        print(settings_problems(invalid), file=sys.stderr)
        sys.exit(2)
    if args.command == "restore" and not args.file.is_file():
        sys.exit(f"insight restore: no backup file {args.file}.")
    url = database_url(settings)

    if args.command == "serve":
        _serve(settings, url, args.seed_demo, args.workers)
    elif args.command == "worker":
        asyncio.run(_work(settings, url, args.concurrency))
    elif args.command == "migrate":
        _migrate(url)
        print("Migrations applied.")
    elif args.command == "seed":
        _migrate(url)
        asyncio.run(_seed(settings, url, only_if_empty=False))
    elif args.command == "themes":
        _migrate(url)
        asyncio.run(
            _themes(settings, url, org_slug=args.org, embed=True, recluster=not args.embed_only)
        )
    elif args.command == "import":
        if not args.file.is_file():
            sys.exit(f"No file {args.file}.")
        _migrate(url)
        sys.exit(asyncio.run(_import(url, args.kind, args.file, args.org, replace=args.replace)))
    elif args.command == "token":
        if not settings.builtin_issuer:
            sys.exit("Tokens come from the external issuer INSIGHT_OIDC_ISSUER, not from here.")
        print(asyncio.run(_token(settings, url, args.email, args.org)))
    elif args.command == "backup":
        sys.exit(_backup(url, args.file, force=args.force))
    elif args.command == "restore":
        sys.exit(_restore(url, args.file, clean=args.clean))


if __name__ == "__main__":
    main()
