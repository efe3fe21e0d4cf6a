"""``opendata`` — the stewards' and operators' command line (messages in Japanese and English)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipelines.home import DEFAULT_DATASETS, resolve_home

console = Console(stderr=True)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)  # pipes get full lines


def main(argv: list[str] | None = None) -> int:
    # Started from a shell background job, SIGINT (and, after Dagster maps SIGTERM to SIGINT's handler in a parent
    # process, SIGTERM) arrive ignored; Dagster's compute-log `tail` processes would inherit that, ignore the
    # SIGTERM meant to stop them and outlive us, holding our stdout open.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    args = _parser().parse_args(argv)
    if getattr(args, "home", None):
        os.environ["OPENDATA_HOME"] = str(Path(args.home).resolve())
    return args.func(args) or 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="opendata", description="Tokyo Open Data Platform / 東京都オープンデータ基盤")
    p.add_argument("--home", help="data home (default $OPENDATA_HOME or ./var)")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", help="ingest, validate and publish datasets / データセットの取込・検証・公開")
    s.add_argument("datasets", nargs="*", metavar="DATASET")
    s.add_argument("--all", action="store_true", help="every declared dataset")
    s.add_argument("--inbox", action="store_true", help="files dropped in $OPENDATA_HOME/inbox/<dataset>/")
    s.add_argument("--datasets", dest="datasets_dir", type=Path, default=None, help="declarations folder")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("validate", help="validate one file against a standard / ファイルを標準で検証")
    s.add_argument("file", type=Path)
    s.add_argument("--standard", required=True)
    s.add_argument("--publisher-code", default=None)
    s.add_argument("--encoding", default="auto")
    s.add_argument("--format", choices=["table", "json"], default="table")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("inspect", help="what a steward needs before writing a declaration / 宣言作成前の調査")
    s.add_argument("file", type=Path)
    s.add_argument("--format", choices=["table", "json"], default="table")
    s.set_defaults(func=cmd_inspect)

    s = sub.add_parser("serve", help="serve the catalog / カタログを公開")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--site-url", default=None, help="public address of the catalog (default $OPENDATA_SITE_URL, "
                   "else http://HOST:PORT)")
    s.add_argument("--workers", type=int, default=1, help="server processes over the same data home / プロセス数")
    s.add_argument("--proxy-headers", action="store_true",
                   help="trust X-Forwarded-Proto/-For from --forwarded-allow-ips (behind a reverse proxy)")
    s.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="comma-separated proxy addresses or networks whose X-Forwarded-* headers are trusted")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("metrics", help="publication rates / 公開率")
    s.add_argument("--publisher", default=None)
    s.add_argument("--by", choices=["publisher", "category", "type", "overall"], default="publisher")
    s.add_argument("--format", choices=["table", "json", "csv"], default="table")
    s.add_argument("--ckan", default=None, help="measure a remote CKAN's package list instead")
    s.add_argument("--datasets", dest="datasets_dir", type=Path, default=None)
    s.set_defaults(func=cmd_metrics)

    s = sub.add_parser("token", help="API tokens / APIトークン")
    tsub = s.add_subparsers(required=True, metavar="ACTION")
    t = tsub.add_parser("create", help="create the user if needed and print a new API token on stdout")
    t.add_argument("--user", required=True)
    t.add_argument("--sysadmin", action="store_true")
    t.add_argument("--org", default=None)
    t.add_argument("--role", choices=["admin", "editor", "member"], default=None)
    t.add_argument("--name", default="cli")
    t.set_defaults(func=cmd_token_create)

    s = sub.add_parser("demo", help="ingest the bundled datasets, print publication rates, serve the catalog")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--no-serve", action="store_true")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("ui", help="start the Dagster UI (dagster dev) on this data home")
    s.add_argument("--port", type=int, default=3000)
    s.set_defaults(func=cmd_ui)
    return p


# ------------------------------------------------------------------------------------------------ ingest


def cmd_ingest(args) -> int:
    from pipelines.declarations import DeclarationError
    from pipelines.definitions import catalog_from_env
    from pipelines.runner import ingest, ingest_inbox

    if not args.all and not args.datasets and not getattr(args, "inbox", False):
        console.print("[red]指定なし / nothing to ingest:[/] give DATASET ids, --all or --inbox")
        return 2
    try:
        if getattr(args, "inbox", False):
            summary = ingest_inbox(args.datasets_dir or DEFAULT_DATASETS, resolve_home(), catalog_from_env())
        else:
            summary = ingest(args.datasets_dir or DEFAULT_DATASETS, resolve_home(), args.datasets or None,
                             catalog_from_env(), prefork=True)
    except DeclarationError as e:
        console.print(f"[red]宣言エラー / declaration error:[/] {e}")
        return 2
    _print_summary(summary)
    if summary.failed:
        console.print(f"[red]一部のデータセットが失敗 / some datasets failed ({len(summary.failed)}):[/] "
                      + ", ".join(summary.failed))
    return 0 if summary.ok else 1


SUMMARY_ROWS = 50     # above this many datasets the summary table leaves out the unchanged ones (counted below it)


def _print_summary(summary) -> None:
    icons = {"published": "[green]公開 published[/]", "unchanged": "[cyan]変更なし unchanged[/]",
             "blocked": "[yellow]差止 blocked[/]", "failed": "[red]失敗 failed[/]"}
    t = Table(title=f"取込結果 / ingest summary ({summary.seconds:.1f} s)")
    for col in ("dataset", "status", "rows", "errors", "warnings", "version", "reason"):
        t.add_column(col, overflow="fold")
    # a big run lists what happened, not the hundreds of datasets that stayed as they were
    quiet = len(summary.outcomes) > SUMMARY_ROWS
    for o in summary.outcomes:
        if not (quiet and o.status == "unchanged"):
            t.add_row(o.id, icons[o.status], str(o.rows if o.rows is not None else "-"), str(o.errors),
                      str(o.warnings), o.version or "-", o.reason)
    if t.rows:
        out.print(t)
    counts = Counter(o.status for o in summary.outcomes)
    out.print(" · ".join(f"{icons[s]} {counts[s]:,}" for s in icons if counts[s])
              + (f"  (変更なしの{counts['unchanged']:,}件は省略 / {counts['unchanged']:,} unchanged not listed)"
                 if quiet and counts["unchanged"] else "") + f"  [{summary.seconds:.1f} s]")
    out.print(f"Dagster runs: {', '.join(summary.run_ids)}")


# ------------------------------------------------------------------------------------------------ validate / inspect


def cmd_validate(args) -> int:
    from pipelines.validate_file import validate_file
    from quality.reports import render_table

    try:
        report = validate_file(args.file, args.standard, encoding=args.encoding, publisher_code=args.publisher_code)
    except Exception as e:  # could not run: exit 2 with the reason
        console.print(f"[red]検証できません / could not validate {args.file}:[/] {e}")
        return 2
    if args.format == "json":
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        out.print(f"{args.file}"); out.print(render_table(report))
    return 0 if report.valid else 1


def cmd_inspect(args) -> int:
    from rich.markup import escape

    from pipelines.ingest import inspect_file

    info = inspect_file(args.file)
    if args.format == "json":
        out.print_json(json.dumps(info, ensure_ascii=False, default=str))
        return 0
    for key in ("encoding", "dialect", "header_row", "rows", "metadata", "preamble"):
        out.print(f"[bold]{'notes' if key == 'preamble' else key}[/]: {escape(str(info.get(key)))}")
    t = Table(title="columns / 列")
    for col in ("source column", "type", "standard column", "confidence", "how"):
        t.add_column(col)
    best = (info.get("standards") or [{}])[0]
    mapping = best.get("mapping", {})
    matches = {m["source"]: m for m in best.get("matches", [])}
    for c in info.get("columns", []):
        m = matches.get(c["name"], {})
        target = mapping.get(c["name"]) or (f"({m['column']}?)" if m.get("column") else "-")
        t.add_row(c["name"], c.get("type", ""), target, f"{m['confidence']:.2f}" if m else "", m.get("how", ""))
    out.print(t)
    if best:
        out.print(f"best standard / 最適な標準: [bold]{best.get('slug')}[/] (score {best.get('score')})")
    if best.get("override"):
        out.print(f"confidence below {best['threshold']}: not mapped. To map, paste into the declaration / "
                  "類似度が閾値未満のため未対応付け。対応付けるには宣言に貼り付け:")
        out.print("columns:", markup=False)
        for src, target in best["override"].items():
            out.print(f"  {json.dumps(src, ensure_ascii=False)}: {json.dumps(target, ensure_ascii=False)}", markup=False)
    for name in best.get("unmapped_required", []):
        out.print(f"[red]必須列「{name}」に対応する列がありません / required column {name} is not mapped[/]")
    return 0


# ------------------------------------------------------------------------------------------------ serve / demo / ui


def cmd_serve(args) -> int:
    import uvicorn

    site = args.site_url or os.environ.get("OPENDATA_SITE_URL") or f"http://{args.host}:{args.port}"
    proxies = (getattr(args, "forwarded_allow_ips", None) or "127.0.0.1") if getattr(args, "proxy_headers", False) else ""
    # The workers are separate processes: they build their app from these variables (serve_app).
    os.environ.update(OPENDATA_HOME=str(resolve_home()), OPENDATA_SITE_URL=site, OPENDATA_TRUSTED_PROXIES=proxies)
    console.print(f"カタログ / catalog: {site}  (Ctrl-C で停止 / to stop)")
    # uvicorn's own proxy handling stays off: the app reads X-Forwarded-* itself, Host included (catalog.app).
    uvicorn.run("pipelines.cli:serve_app", factory=True, host=args.host, port=args.port, log_level="warning",
                workers=max(int(getattr(args, "workers", 1) or 1), 1), proxy_headers=False)
    return 0


def serve_app():
    """The ASGI app of ``opendata serve`` (an import string, so that ``--workers N`` can start N processes)."""
    from catalog.app import create_app

    proxies = tuple(p.strip() for p in os.environ.get("OPENDATA_TRUSTED_PROXIES", "").split(",") if p.strip())
    return create_app(resolve_home(), os.environ.get("OPENDATA_SITE_URL") or "http://127.0.0.1:8080", proxies)


def cmd_demo(args) -> int:
    rc = cmd_ingest(argparse.Namespace(all=True, datasets=[], datasets_dir=None, inbox=False))
    if _drop_demo_updates(resolve_home()):
        console.print("デモ: 新しい版を受信箱へ / demo: dropping newer versions into the inbox")
        cmd_ingest(argparse.Namespace(all=False, datasets=[], datasets_dir=None, inbox=True))
    for by in ("publisher", "type", "overall"):
        cmd_metrics(argparse.Namespace(publisher=None, by=by, format="table", ckan=None, datasets_dir=None))
    if args.no_serve:
        return rc
    return cmd_serve(argparse.Namespace(host=args.host, port=args.port, site_url=None, workers=1))


def _drop_demo_updates(home: Path) -> int:
    """Copy datasets/demo-inbox/<id>/* into the inbox once, as a steward dropping a new version would."""
    import shutil
    import time

    dropped = 0
    for f in sorted((DEFAULT_DATASETS / "demo-inbox").glob("*/*.csv")):
        done = home / "inbox" / ".processed" / f.parent.name
        if done.exists() and any(p.name.endswith(f.name) for p in done.iterdir()):
            continue
        target = home / "inbox" / f.parent.name / f.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, target)
        os.utime(target, (time.time() - 60, time.time() - 60))   # settled: not a half-copied file
        dropped += 1
    return dropped


def cmd_ui(args) -> int:
    from pipelines.home import ensure_dagster_home

    from pipelines.runner import instance_for

    home = resolve_home()
    instance_for(home)                    # marks failed the runs a killed opendata process left STARTED
    env = {**os.environ, "DAGSTER_HOME": str(ensure_dagster_home(home)), "OPENDATA_HOME": str(home)}
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-p", str(args.port)]
    os.execvpe(cmd[0], cmd, env)


# ------------------------------------------------------------------------------------------------ metrics / tokens


def cmd_metrics(args) -> int:
    from pipelines.metrics_cli import metrics_rows, render

    rows = metrics_rows(resolve_home(), args.datasets_dir or DEFAULT_DATASETS, args.ckan)
    out.print(render(rows, by=args.by, publisher=args.publisher, fmt=args.format), end="" if args.format != "table" else "\n")
    return 0


def cmd_token_create(args) -> int:
    from catalog.store import users

    home = resolve_home()
    users.ensure_user(home, args.user, sysadmin=args.sysadmin)
    if args.org:
        users.set_membership(home, args.user, args.org, args.role or "member")
    print(users.create_token(home, args.user, args.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
