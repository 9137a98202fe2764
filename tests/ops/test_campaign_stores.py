"""Consent records and campaigns on a real SQLite file and a real PostgreSQL (DATABASE_URL): opt-in
and opt-out, the offer at most once, one worker claims a campaign and nobody is listed twice, the
report, an erasure that keeps an anonymous proof, and the retention purge."""
import threading
import time

import pytest

from store import campaigns, consent, privacy
from store.db import engine_for

DAY = 86400.0


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        return engine_for(f"sqlite:///{tmp_path / 'campaigns.db'}")
    return engine_for(request.getfixturevalue("fresh_pg_url"))


def test_consent_is_given_per_topic_withdrawn_at_once_and_listed(engine):
    now = time.time()
    first = consent.give(engine, "zalo:1", "zalo", ["thong-bao-chung"], "Bạn đã đăng ký …", consent.KEYWORD, now)
    assert first and consent.give(engine, "zalo:1", "zalo", ["thong-bao-chung"], "lại", consent.KEYWORD, now + 1) is None
    second = consent.give(engine, "zalo:1", "zalo", ["thong-bao-chung", "canh-bao-lua-dao"], "Bạn có muốn …", consent.BUTTON, now + 2)
    assert [r["topics"] for r in consent.list_records(engine, "zalo:1")] == ["thong-bao-chung", "canh-bao-lua-dao"]  # only what was new
    assert consent.active_topics(engine, "zalo:1") == {"thong-bao-chung", "canh-bao-lua-dao"}
    consent.give(engine, "fb:2", "facebook", ["canh-bao-lua-dao"], "w", consent.KEYWORD, now)
    assert [r["subject"] for r in consent.recipients(engine, "canh-bao-lua-dao")] == ["zalo:1", "fb:2"]  # in order of consent
    assert consent.last_message(engine, "zalo:1") == now + 2

    consent.seen(engine, "zalo:1", now + 10)
    consent.seen(engine, "zalo:1", now + 5)  # an older message changes nothing
    consent.seen(engine, "web:never-opted", now)  # no row, no write
    assert consent.last_message(engine, "zalo:1") == now + 10 and consent.last_message(engine, "web:never-opted") is None

    assert consent.withdraw(engine, "zalo:1", consent.KEYWORD, now + 20) == {"thong-bao-chung", "canh-bao-lua-dao"}
    assert consent.withdraw(engine, "zalo:1", consent.KEYWORD, now + 21) == set()  # nothing left
    assert [r["subject"] for r in consent.recipients(engine, "canh-bao-lua-dao")] == ["fb:2"]
    rows = consent.list_records(engine, "zalo:1")
    assert [(r["id"], r["method"], r["withdrawn_at"], r["withdrawn_by"]) for r in rows] == [
        (first, "keyword", now + 20, "keyword"), (second, "button", now + 20, "keyword")]


def test_the_offer_is_made_once_and_never_to_who_has_or_had_consent(engine):
    now = time.time()
    assert consent.offer(engine, "web:a", "web", "Bạn có muốn nhận …", now)
    assert not consent.offer(engine, "web:a", "web", "Bạn có muốn nhận …", now + 60)
    assert consent.offered_wording(engine, "web:a") == "Bạn có muốn nhận …"
    consent.give(engine, "web:b", "web", ["thong-bao-chung"], "w", consent.KEYWORD, now)
    consent.withdraw(engine, "web:b", consent.KEYWORD, now + 1)
    assert not consent.offer(engine, "web:b", "web", "…", now + 2)


def test_one_worker_claims_a_campaign_and_lists_each_recipient_once(engine):
    now = time.time()
    for n in range(5):
        consent.give(engine, f"zalo:{n}", "zalo", ["canh-bao-lua-dao"], "w", consent.KEYWORD, now)
    consent.give(engine, "zalo:0", "zalo", ["thong-bao-chung", "canh-bao-lua-dao"], "w2", consent.BUTTON, now)  # two records, one person
    consent.give(engine, "web:x", "web", ["thong-bao-chung"], "w", consent.KEYWORD, now)  # another topic
    campaign = campaigns.create(engine, "canh-bao-lua-dao", "Cảnh giác …", now, "cli", now)
    assert campaigns.due(engine, now - 1) == [] and campaigns.due(engine, now) == [campaign]

    won, start = [], threading.Barrier(4)

    def claim(worker):
        start.wait()
        won.append((worker, campaigns.claim(engine, campaign, worker, now)))

    threads = [threading.Thread(target=claim, args=(f"host:{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(n for _, n in won) == [0, 0, 0, 5]
    winner = next(w for w, n in won if n)
    assert [c["id"] for c in campaigns.sending(engine, winner)] == [campaign] and campaigns.sending(engine, "other") == []
    rows = campaigns.queued(engine, campaign, 10)
    assert sorted(r["subject"] for r in rows) == [f"zalo:{n}" for n in range(5)] and rows[0]["last_citizen_at"] == now

    campaigns.settle(engine, rows[0]["id"], campaigns.OUTBOX, at=now, route="cs")
    campaigns.settle(engine, rows[1]["id"], campaigns.BLOCKED, at=now, code="zalo_48h", reason="Zalo: 48 giờ")
    campaigns.settle(engine, rows[2]["id"], campaigns.BLOCKED, at=now, code="zalo_48h", reason="Zalo: 48 giờ")
    assert not campaigns.finish_if_done(engine, campaign, now)
    campaigns.settle(engine, rows[0]["id"], campaigns.SENT)
    campaigns.settle(engine, rows[3]["id"], campaigns.FAILED, at=now, code="send_failed", reason="Zalo error -230")
    campaigns.settle(engine, rows[4]["id"], campaigns.OUTBOX, at=now, route="cs")
    assert campaigns.handed_over_since(engine, rows[4]["subject"], now) == 1 and campaigns.handed_over_since(engine, rows[4]["subject"], now + 1) == 0
    campaigns.settle(engine, rows[4]["id"], campaigns.SENT)
    assert campaigns.finish_if_done(engine, campaign, now) and campaigns.get(engine, campaign)["status"] == "done"
    report = campaigns.report(engine, campaign)
    assert {k: report[k] for k in ("recipients", "sent", "pending", "blocked", "failed")} == {
        "recipients": 5, "sent": 2, "pending": 0, "blocked": 2, "failed": 1}
    assert report["channels"]["zalo"]["blocked_by"] == {"zalo_48h": {"count": 2, "reason": "Zalo: 48 giờ"}}
    assert campaigns.handed_over_counts(engine, now) == {rows[0]["subject"]: 1, rows[4]["subject"]: 1}


def test_only_a_campaign_not_started_can_be_cancelled(engine):
    now = time.time()
    later = campaigns.create(engine, "thong-bao-chung", "…", now + DAY, "admin", now)
    assert campaigns.cancel(engine, later, now) and not campaigns.cancel(engine, later, now)
    assert campaigns.due(engine, now + 2 * DAY) == []
    started = campaigns.create(engine, "thong-bao-chung", "…", now, "admin", now)
    campaigns.claim(engine, started, "host:0", now)
    assert not campaigns.cancel(engine, started, now) and campaigns.get(engine, started)["status"] == "sending"


def test_an_erasure_keeps_an_anonymous_proof_and_the_counts(engine):
    now = time.time()
    consent.give(engine, "zalo:9", "zalo", ["canh-bao-lua-dao"], "Bạn đã đăng ký …", consent.KEYWORD, now)
    consent.give(engine, "zalo:10", "zalo", ["canh-bao-lua-dao"], "w", consent.KEYWORD, now)
    campaign = campaigns.create(engine, "canh-bao-lua-dao", "…", now, "cli", now)
    campaigns.claim(engine, campaign, "host:0", now)
    for row in campaigns.queued(engine, campaign, 10):
        campaigns.settle(engine, row["id"], campaigns.SENT, at=now)
    assert consent.export(engine, "zalo:9")["consent_records"][0]["wording"] == "Bạn đã đăng ký …"

    done = privacy.erase(engine, "zalo:9")
    assert (done["consent_records_anonymised"], done["campaign_contacts"], done["campaign_deliveries"]) == (1, 1, 1)
    assert consent.list_records(engine, "zalo:9") == [] and consent.export(engine, "zalo:9") == {
        "consent_records": [], "campaign_contacts": [], "campaign_deliveries": []}
    proof = next(r for r in consent.list_records(engine) if r["subject"] is None)
    assert (proof["channel"], proof["topics"], proof["wording"], proof["withdrawn_by"]) == ("zalo", "canh-bao-lua-dao", "Bạn đã đăng ký …", "erasure")
    assert proof["given_at"] == now and proof["withdrawn_at"] >= now and proof["anonymised_at"]
    assert campaigns.report(engine, campaign)["sent"] == 2  # the campaign's counts stay
    assert [r["subject"] for r in consent.recipients(engine, "canh-bao-lua-dao")] == ["zalo:10"]
    assert not any(privacy.erase(engine, "zalo:9").values())  # nothing left about them


def test_the_retention_purge_covers_the_campaign_tables(engine):
    import datetime as dt

    now = time.time()
    old = now - 100 * DAY
    consent.give(engine, "zalo:old-active", "zalo", ["thong-bao-chung"], "w", consent.KEYWORD, old)  # still subscribed
    consent.give(engine, "zalo:left", "zalo", ["thong-bao-chung"], "w", consent.KEYWORD, old)
    consent.withdraw(engine, "zalo:left", consent.KEYWORD, old + 1)  # withdrawn 100 days ago: proof kept a year
    consent.give(engine, "zalo:long-gone", "zalo", ["thong-bao-chung"], "w", consent.KEYWORD, now - 500 * DAY)
    consent.withdraw(engine, "zalo:long-gone", consent.KEYWORD, now - 400 * DAY)
    consent.offer(engine, "web:offered", "web", "…", old)  # offered, never subscribed
    campaign = campaigns.create(engine, "thong-bao-chung", "…", old, "cli", old)
    campaigns.claim(engine, campaign, "host:0", old)
    for row in campaigns.queued(engine, campaign, 10):
        campaigns.settle(engine, row["id"], campaigns.SENT, at=old)

    done = privacy.purge(engine, 90, dt.datetime.fromtimestamp(now, dt.timezone.utc), proof_days=365)
    assert done["consent_records_anonymised"] == 1 and done["campaign_deliveries_anonymised"] == 1
    kept = {r["subject"] for r in consent.list_records(engine)}
    assert kept == {"zalo:old-active", "zalo:left", None}
    assert consent.last_message(engine, "zalo:old-active") == old  # an active consent keeps its contact row
    assert consent.offered_wording(engine, "web:offered") is None and consent.last_message(engine, "zalo:left") is None
    assert campaigns.report(engine, campaign)["sent"] == 1
