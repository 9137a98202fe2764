"""`dvc-bot consent` and `dvc-bot campaign`: the consent records, and a campaign sent from the
command line (the gateways send it: server/campaigns.py; this command checks it, stores it and
waits for the outcome).

    dvc-bot consent list [--json] [--user CHANNEL:ID]
    dvc-bot consent erase --user CHANNEL:ID
    dvc-bot campaign send --topic TOPIC --text TEXT [--at ISO-TIME] [--dry-run] --yes [--wait SECONDS]
    dvc-bot campaign report ID [--json]

`campaign send` prints one JSON line: {"campaign", "recipients", "sent", "blocked", "failed"},
plus "status" (done | sending | scheduled), "pending", "due_at" and the counts per channel; with
--dry-run, "campaign" is null and the counts are what the rules would do now."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from typing import Any, Dict, Optional

from common.office_hours import TZ
from common.settings import get_settings


def _iso(value: Optional[float]) -> Optional[str]:
    return None if value is None else dt.datetime.fromtimestamp(value, TZ).isoformat(timespec="seconds")


def _engine():
    from store.db import engine_for

    return engine_for(get_settings().db_url)


def cmd_consent(args: argparse.Namespace) -> int:
    from store import consent
    from store import staff
    from store.privacy import BadUser, sender_of

    try:
        subject = sender_of(args.user)[2] if args.user else None
    except BadUser as exc:
        print(f"dvc-bot consent {args.consent_command}: {exc}", file=sys.stderr)
        return 2
    engine = _engine()
    if args.consent_command == "erase":
        done = consent.erase(engine, subject, time.time())
        staff.audit(engine, "cli", "consent_erased", "", f"a data-subject request: {done['consent_records']} consent record(s) anonymised")
        if not any(done.values()):
            print(f"no consent or campaign data about {args.user}")
        else:
            print(f"erased about {args.user}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in done.items())
                  + " (the consent records stay, anonymous, as proof of the withdrawal)")
        return 0
    rows = [{"id": r["id"], "user": r["subject"], "channel": r["channel"], "topics": consent.topics_of(r), "wording": r["wording"],
             "method": r["method"], "given_at": _iso(r["given_at"]), "withdrawn_at": _iso(r["withdrawn_at"]),
             "withdrawn_by": r["withdrawn_by"], "anonymised_at": _iso(r["anonymised_at"])}
            for r in consent.list_records(engine, subject)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        state = f"withdrawn {r['withdrawn_at']} ({r['withdrawn_by']})" if r["withdrawn_at"] else "active"
        print(f"#{r['id']:<5} {r['user'] or '(anonymous)':<28} {','.join(r['topics']):<34} {r['method']:<8} {r['given_at']}  {state}")
    if not rows:
        print("no consent records" + (f" about {args.user}" if args.user else ""))
    return 0


def _line(campaign: Optional[int], counts: Dict[str, Any], **extra: Any) -> str:
    keys = ("recipients", "sent", "blocked", "failed")
    return json.dumps({"campaign": campaign, **{k: counts.get(k, 0) for k in keys}, **extra}, ensure_ascii=False)


def cmd_campaign_send(args: argparse.Namespace) -> int:
    from server import campaign_rules as rules
    from store import campaigns, staff

    settings, now = get_settings(), time.time()
    try:
        draft = rules.draft(settings, args.topic, args.text, args.at, now)
    except rules.BadCampaign as exc:
        print(f"dvc-bot campaign send: {exc}; nothing was sent", file=sys.stderr)
        return 2
    engine = _engine()
    plan = rules.preview(engine, settings, draft.topic, now)
    if args.dry_run:
        counts = {"recipients": plan["recipients"], "blocked": plan["blocked"]}
        print(_line(None, counts, dry_run=True, would_send=plan["would_send"], channels=plan["channels"]))
        return 0
    if not args.yes:
        print(f"dvc-bot campaign send: {plan['recipients']} recipient(s), {plan['would_send']} allowed now "
              f"(--dry-run shows them per channel); add --yes to send; nothing was sent", file=sys.stderr)
        return 2
    campaign_id = campaigns.create(engine, draft.topic, draft.text, draft.due_at, "cli", now)
    staff.audit(engine, "cli", "campaign_created", f"campaign:{campaign_id}", f"topic {draft.topic}, {plan['recipients']} recipient(s)")
    schedule = settings.campaign_schedule
    starts = schedule.next_open(dt.datetime.fromtimestamp(draft.due_at, TZ)).timestamp()
    if starts > now + 1:
        print(_line(campaign_id, {"recipients": plan["recipients"]}, status="scheduled", pending=plan["recipients"],
                    due_at=_iso(draft.due_at), sends_from=_iso(starts)))
        return 0
    print(f"campaign {campaign_id}: stored; waiting for a gateway (dvc-bot serve) to send it…", file=sys.stderr)
    deadline = time.monotonic() + args.wait
    while True:
        status = campaigns.get(engine, campaign_id)["status"]
        if status == campaigns.DONE or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    report = campaigns.report(engine, campaign_id)
    if status != campaigns.DONE:
        print(f"campaign {campaign_id} is still {status} after {args.wait:.0f} s; `dvc-bot campaign report {campaign_id}` shows it later"
              + (" (no gateway has taken it: is dvc-bot serve running?)" if status == campaigns.SCHEDULED else ""), file=sys.stderr)
    if status == campaigns.SCHEDULED:  # not taken yet: what the preview counted
        report = {"recipients": plan["recipients"], "pending": plan["recipients"], "channels": {}}
    print(_line(campaign_id, report, status=status, pending=report["pending"], due_at=_iso(draft.due_at), channels=report["channels"]))
    return 0


def cmd_campaign_report(args: argparse.Namespace) -> int:
    from store import campaigns

    engine = _engine()
    campaign = campaigns.get(engine, args.id)
    if campaign is None:
        print(f"dvc-bot campaign report: no campaign {args.id}", file=sys.stderr)
        return 1
    report = campaigns.report(engine, args.id)
    if args.json:
        print(_line(args.id, report, status=campaign["status"], pending=report["pending"], due_at=_iso(campaign["due_at"]),
                    channels=report["channels"]))
        return 0
    print(f"campaign {args.id} ({campaign['topic']}, {campaign['status']}, due {_iso(campaign['due_at'])}): "
          f"{report['recipients']} recipient(s), {report['sent']} sent, {report['pending']} pending, "
          f"{report['blocked']} blocked, {report['failed']} failed")
    for channel, line in report["channels"].items():
        print(f"  {channel}: " + ", ".join(f"{k} {v}" for k, v in line.items() if not isinstance(v, dict)))
        for kind in ("blocked_by", "failed_by"):
            for code, item in line[kind].items():
                print(f"    {kind.split('_')[0]} {item['count']} ({code}): {item['reason']}")
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("consent", help="consent to campaign messages: the records, a citizen's erasure")
    csub = p.add_subparsers(dest="consent_command", required=True)
    q = csub.add_parser("list", help="the consent records (who, topics, the wording shown, how, when, withdrawal)")
    q.add_argument("--json", action="store_true", help="print them as a JSON array")
    q.add_argument("--user", metavar="CHANNEL:ID", help="only this citizen's (e.g. zalo:123)")
    q.set_defaults(func=cmd_consent)
    q = csub.add_parser("erase", help="a data-subject request: remove the citizen's consent and campaign data "
                                      "(an anonymous proof of the withdrawal stays)")
    q.add_argument("--user", required=True, metavar="CHANNEL:ID", help="e.g. zalo:123, facebook:456, web:abc")
    q.set_defaults(func=cmd_consent)

    p = sub.add_parser("campaign", help="send the province's announcements to citizens who opted in")
    csub = p.add_subparsers(dest="campaign_command", required=True)
    q = csub.add_parser("send", help="check, store and send a campaign (the gateways send it, within each channel's rules)")
    q.add_argument("--topic", required=True, help="a topic's key or name, e.g. canh-bao-lua-dao or 'Cảnh báo lừa đảo'")
    q.add_argument("--text", required=True, help="what citizens read (the line on how to stop is added)")
    q.add_argument("--at", metavar="ISO-TIME", help="when (Vietnam time unless a zone is given); default now")
    q.add_argument("--dry-run", action="store_true", help="count the recipients per channel and what the rules allow now; store nothing")
    q.add_argument("--yes", action="store_true", help="send it (required, except with --dry-run)")
    q.add_argument("--wait", type=float, default=120.0, metavar="SECONDS", help="how long to wait for the outcome (default 120)")
    q.set_defaults(func=cmd_campaign_send)
    q = csub.add_parser("report", help="a campaign's delivery report per channel")
    q.add_argument("id", type=int)
    q.add_argument("--json", action="store_true", help="one JSON line, as `send` prints it")
    q.set_defaults(func=cmd_campaign_report)
