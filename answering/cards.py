"""The replies the answering layer gives, once core has chosen what the question means: a
procedure's card, a guide's card, a registry procedure's short answer, "which procedure?", a card
in doubt offered as buttons, and the honest referral (or refusal) when nothing we hold covers the
question. Nothing here chooses a record; answering.core does."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import List, Optional, Sequence

from answering import choose, compose, gaps, registry_match
from answering.citations import source_dicts
from answering.facts import deadline_asked, document_facts, lead_facts, procedure_facts
from answering.model import ASK_PROCEDURE, CLARIFY, DOCUMENT, PROCEDURE, REFERRAL, REFUSAL, REGISTRY, Answer, Context, Nlu
from answering.vocab import words
from knowledge.catalog import load_procedures
from knowledge.documents import load_documents
from knowledge.normalize import search_form
from store.outcomes import ANSWERED, FALLBACK


def procedure_card(pid: str, question: str, aspects: List[str], choice: choose.Choice, chosen: bool = False) -> Answer:
    """The card of `pid`. `chosen`: the citizen picked it (a button, or the reply to "which
    procedure?"), so words the record does not explain are not another question."""
    chosen = chosen or choice.via == "button"
    proc = load_procedures()[pid]
    excluded = gaps.not_for(proc, question) if not chosen else None
    if excluded:
        return Answer(compose.not_for_text(proc, *excluded), REFERRAL, FALLBACK, 0.4, reason="no_answer", topic="procedure",
                      buttons=[compose.HUMAN_BUTTON], considered=[{"id": proc.id, "via": choice.via, "not_for": excluded[0]}],
                      context=Context(procedure=None, answer_id=None))
    unknown = gaps.unknown_detail(proc, question, aspects) if not chosen else []
    shown = gaps.quotable(question, unknown)
    # an aspect asked beside the unknown detail is answered, and the detail said to be unknown (a
    # cue's unanswered fact is the whole question: its aspect words belong to it, "mấy ngày sau")
    partial, gap = gaps.answerable_in_part(question, unknown, aspects), shown
    if not unknown and not chosen:
        unknown = gaps.unanswered_cue(proc, question, aspects)  # what it asks, in our words
        shown = " ".join(unknown)
    if unknown and not partial:
        return not_said(proc, shown, [{"id": proc.id, "via": choice.via, "unknown": unknown}])
    from answering.aspects import answer_aspect

    shown = "\n".join(answer_aspect(proc, a) for a in aspects)
    facts = lead_facts(question, procedure_facts(proc), [proc.name, *proc.aliases], shown, similarity=_line_similarity(question))
    if any(not f.read for f in facts) and aspects and deadline_asked(question):
        aspects = [a for a in aspects if a != "time"]
    text = compose.procedure_text(proc, aspects, facts, code=_code_asked(proc, question), gap=gap if partial else None)
    considered = choice.considered or [{"id": proc.id, "via": choice.via}]
    if partial:
        considered = [*considered, {"id": proc.id, "unknown": unknown, "answered_in_part": True}]
    shown_aspects = aspects or ["time", "fee", "where", "online"]
    return Answer(
        text, PROCEDURE, ANSWERED, choice.confidence, record_id=proc.id, topic="procedure",
        sources=source_dicts(proc.sources, proc.checked), buttons=compose.follow_up_buttons(proc.id, shown_aspects),
        aspects=aspects, considered=considered,
        context=Context(procedure=proc.id, aspect=aspects[0] if aspects else None, answer_id=proc.id),
    )


def _line_similarity(question: str):
    """The encoder's cosine of `question` to each of some fact texts (the index's fact units)."""
    from answering.search import get_retriever

    return lambda texts: get_retriever().line_similarities(question, texts)


def _code_asked(proc, question: str) -> str:
    """The national code of the procedure the question names among those the record covers ("mất
    căn cước": cấp lại, 1.014064, not the first issue's 1.014061), else the record's own."""
    from knowledge.registry import default_registry_matcher

    for entry in default_registry_matcher().find_all(question):
        if entry.record == proc.id and entry.code:
            return entry.code
    return proc.code


def document_card(doc_id: str, question: str, choice: choose.Choice) -> Answer:
    doc = load_documents()[doc_id]
    from answering.facts import Fact

    # the document's first paragraph is a candidate too: when it answers best, it is enough
    facts = lead_facts(question, [Fact("lead", doc.lead), *document_facts(doc)], [doc.title],
                       similarity=_line_similarity(question))
    by_words = [f for f in facts if not f.read]
    if by_words and by_words[0].field == "lead":
        by_words = []  # the document's short answer answers best by words: it is enough
    facts = [f for f in by_words + [f for f in facts if f.read] if f.field != "lead"]
    checked = doc.checked.isoformat()
    sources = [{"title": s.title, "url": s.url, "checked": checked} for s in doc.sources]
    return Answer(
        compose.document_text(doc, facts, checked), DOCUMENT, ANSWERED, choice.confidence, record_id=doc.id,
        topic=doc.topic, sources=sources, considered=choice.considered, context=Context(answer_id=doc.id),
    )


def not_said(proc, detail: str, considered: List[dict]) -> Answer:
    """What the guide of the procedure `proc` does not say (`detail`, or "điều bạn hỏi" when empty),
    with its aspects as buttons; the conversation keeps the procedure."""
    return Answer(compose.unknown_detail_text(proc, detail), REFERRAL, FALLBACK, 0.4, reason="no_answer", topic="procedure",
                  buttons=compose.follow_up_buttons(proc.id, [])[:3] + [compose.HUMAN_BUTTON],
                  considered=considered, context=Context(procedure=proc.id, answer_id=None))


def record_card(rid: str, question: str, aspects: List[str], via: str, confidence: float, considered: List[dict]) -> Answer:
    """The card of the full record `rid`: a procedure's (with the aspects asked), else a guide's."""
    kind = "procedure" if rid in load_procedures() else "doc"
    choice = choose.Choice(via, rid, kind, confidence=confidence, considered=considered)
    return procedure_card(rid, question, aspects, choice) if kind == "procedure" else document_card(rid, question, choice)


def registry_card(choice: choose.Choice) -> Answer:
    entry = choice.entry
    sources = [{"title": entry.source_title, "url": entry.source_url, "checked": str(entry.checked)}]
    return Answer(
        compose.registry_text(entry), REGISTRY, ANSWERED, choice.confidence, record_id=entry.code or entry.name,
        topic="registry", sources=sources, buttons=[compose.HUMAN_BUTTON],
        considered=[{"id": entry.code, "via": "registry"}], context=Context(answer_id=entry.code or entry.name),
    )


def registry_match_card(question: str) -> Optional[Answer]:
    """A brief registry answer when the question describes one registry-only procedure clearly
    (answering.registry_match), else None."""
    entry, read = registry_match.match(question)
    if entry is None or renews_asked_first(entry, question):
        return None
    found = registry_card(choose.Choice("registry", entry.code, "registry", confidence=0.6, entry=entry))
    found.considered = [c.as_dict() for c in read]
    return found


def renews_asked_first(entry, question: str) -> bool:
    """A registry procedure that only renews or replaces ("Cấp đổi thẻ căn cước") for a question
    about a first issue ("làm thẻ căn cước lần đầu"): never its answer, as choose rules for records."""
    return choose.first_issue_of_renewal(entry.name, search_form(question))


def in_doubt(question: str, card: Answer, ctx: Context, chance: float, runner_up: Optional[str]) -> Answer:
    """The card's record (and the next record retrieval found for the question, when it explains
    the question as well) offered as buttons, with where to ask if neither is what was meant; the
    conversation keeps the context it had."""
    aspect = card.aspects[0] if card.aspects else None
    offered = [offer(card.record_id, aspect)] + ([offer(runner_up, aspect)] if runner_up else [])
    titles = [title for title, _ in offered]
    suggested = registry_match.suggestions(question)[:1]  # a registry procedure the encoder puts close, as a third choice
    considered = [*card.considered, {"id": card.record_id, "via": "verifier", "doubt": round(chance, 3),
                                     "runner_up": runner_up}]
    considered += [{"id": entry.code, "via": "registry suggestion", "similarity": round(sim, 3)} for entry, sim in suggested]
    return Answer(compose.doubt_text(*titles) + (compose.SUGGESTIONS_TOO if suggested else ""), REFERRAL, FALLBACK,
                  round(1 - chance, 3), topic=card.topic, reason="no_answer",
                  buttons=[button for _, button in offered] + [compose.registry_button(e) for e, _ in suggested]
                  + [compose.HUMAN_BUTTON], considered=considered,
                  context=replace(ctx, offered=tuple(rid for rid in (card.record_id, runner_up) if rid)))


def offer(record_id: str, aspect: Optional[str]) -> tuple:
    """(title, button) for a record: a procedure's button asks it (with the aspect asked), a guide's
    sends its title, which brings it (_titled_document)."""
    procedures = load_procedures()
    if record_id in procedures:
        title = procedures[record_id].name
        return title, compose.procedure_button(record_id, title, aspect)
    title = load_documents()[record_id].title
    return title, {"title": title, "payload": title}


def ask_which_procedure(aspects: List[str], offered: Sequence[str] = ()) -> Answer:
    """"Bạn hỏi về thủ tục nào?" with buttons that keep the aspect asked. The procedures the last
    reply offered ("chưa chắc bạn hỏi về A hay B", then "nộp ở xã hay ở đâu") come first."""
    aspect = aspects[0] if aspects else None
    procedures = load_procedures()
    first = [offer(rid, aspect)[1] for rid in offered if rid in procedures or rid in load_documents()]
    taken = {b["payload"] for b in first}
    common = [b for b in compose.ask_procedure_buttons(aspect, procedures) if b["payload"] not in taken]
    # no more buttons than the common ones alone, the offered first, and at least two common ones
    buttons = (first + common)[:max(len(common), len(first) + 2)]
    return Answer(compose.ASK_PROCEDURE, ASK_PROCEDURE, FALLBACK, 0.6, reason="ask_procedure", buttons=buttons, aspects=aspects,
                  context=Context(procedure=None, aspect=aspect, awaiting="procedure"))


def named_in_passing(pid: str, unexplained: List[str], aspects: List[str]) -> Answer:
    proc = load_procedures()[pid]
    subject = " ".join(unexplained) if len(unexplained) <= 4 else ""  # a scatter of words reads worse than none
    return Answer(compose.referral_text(subject), REFERRAL, FALLBACK, 0.3, reason="no_answer",
                  buttons=[compose.procedure_button(pid, proc.name, aspects[0] if aspects else None),
                           compose.HUMAN_BUTTON],
                  considered=[{"id": pid, "via": "named", "unexplained": unexplained}], context=Context())


# words of a public service: a question with none of them and nothing known is not ours at all
_SERVICE = re.compile(
    r"thu tuc|dang ky|giay|\bcap\b|ho so|tro cap|bao hiem|\bthue\b|\bphat\b|uy ban|\bxa\b|phuong|cong an|chung nhan|"
    r"quan su|ho ngheo|can ngheo|luong huu|\bdien\b(?! tich)|nuoc sach|thi thuc|visa|ho chieu|dich vu cong|vneid|chinh sach|"
    r"che do|\bkhai\b|doanh nghiep|kinh doanh|\bdat\b|nha o|\bxe\b|bang lai|to cao|khieu nai|phan anh|kien nghi|"
    r"can cuoc|chung thuc|cong chung|hon nhan|giam ho|con nuoi|nguoi co cong|thai san|hai quan|giay phep|tam vang|"
    r"tam tru|thuong tru|hoc ba|bang tot nghiep|tuyen sinh|le phi|nop phat|lao dong|viec lam|dang nhap|tai khoan|"
    r"mat khau|\botp\b|lua dao|mao danh|ung dung|cong dich vu|\bkhau\b|bien lai|nop lai|ho so|ly hon|toa an|"
    r"xin phep|cap phep|nha nuoc|chinh quyen|\bho tro\b|chuyen truong|nhap hoc|hoc sinh|truong (hoc|cong lap)|"
    r"cai nghien|ma tuy|cong ty|tam ngung|giai the|hop tac xa|tro giup phap ly|dan toc|"
    r"liet si|thuong binh|benh binh|xung phong|mai tang|tien tuat|du lieu ca nhan|thong tin ca nhan|so do|so hong|"
    r"\bo to\b|xe may|mo (?:tiem|quan|cua hang|xuong)|"
    # a petition or an application sent somewhere ("đơn gửi đâu", "làm đơn phản đối quyết định")
    r"\b(?:gui|nop|lam|viet) don\b|\bdon (?:gui|nop|de nghi|khieu nai|to cao)\b|"
    # asking where to apply, hand in or be recognised is asking about a public service
    r"\b(xin|nop|trinh|gui|bao|de nghi|cong nhan)( \w+){0,4} (o dau|len dau|ve dau|cho ai|noi nao|co quan nao|cap nao)\b"
)

SERVICE_INTENTS = {"ask_procedure", "ask_access", "ask_security", "troubleshoot", "ask_benefits", "ask_support"}


OFFER_COVERAGE = 0.4  # the registry matcher's bars, for a full record offered as a button (never answered)
OFFER_IDENTITY = 0.3


def _record_to_offer(choice: choose.Choice) -> Optional[str]:
    """The full procedure record retrieval ranked first, when its words explain part of the
    question: offered as a button beside the referral, one tap away, not answered as if sure."""
    first = choice.considered[0] if choice.considered else {}
    if first.get("kind") != "procedure" or first.get("id") not in load_procedures():
        return None
    if first.get("coverage", 0.0) < OFFER_COVERAGE or first.get("identity", 0.0) < OFFER_IDENTITY:
        return None
    return first["id"]


# a procedure record that explains this share of the question's subject words, its names this share,
# and that the encoder reads this close: the question is about a public service even in words
# _SERVICE does not list ("chuyển sang dân tộc của mẹ"); a short question's few words are too easily
# explained by chance ("vn đá với thái lan"), so the encoder must agree
SERVICE_COVERAGE, SERVICE_IDENTITY, SERVICE_DENSE = 0.6, 0.4, 0.9


def _mostly_explained(considered: List[dict]) -> bool:
    return any(c.get("kind") == "procedure" and c.get("coverage", 0) >= SERVICE_COVERAGE
               and c.get("identity", 0) >= SERVICE_IDENTITY and c.get("dense", 0) >= SERVICE_DENSE for c in considered)


def about_a_service(question: str, nlu: Nlu, ctx: Optional[Context], considered: List[dict]) -> bool:
    """The question is about a public service: it says a service word, NLU reads a service intent,
    it follows a procedure in context (unless NLU reads it as out of scope), or a procedure record
    retrieval weighed (`considered`) mostly explains it."""
    return (bool(_SERVICE.search(search_form(question))) or (nlu.intent in SERVICE_INTENTS and nlu.confidence >= 0.6)
            or bool(ctx and ctx.procedure and nlu.intent != "out_of_scope") or _mostly_explained(considered))


def no_record(question: str, nlu: Nlu, choice: choose.Choice, ctx: Optional[Context] = None) -> Answer:
    """Nothing we hold covers the question: refer a public-service question honestly, refuse
    what is not a public service, and ask again what we could not read. A follow-up in a
    conversation about a procedure is about a public service, unless NLU reads it as out of scope."""
    if about_a_service(question, nlu, ctx, choice.considered):
        matched = registry_match_card(question)
        if matched is not None:  # the registry procedure its words and the encoder both point at
            return matched
        suggested = registry_match.suggestions(question)
        record = _record_to_offer(choice)
        text = compose.referral_text(choose.subject_of(question)) + (compose.SUGGESTIONS if suggested or record else "")
        return Answer(text, REFERRAL, FALLBACK, 0.3, reason="no_answer",
                      buttons=([offer(record, None)[1]] if record else []) + [compose.registry_button(entry) for entry, _ in suggested]
                      + [compose.HUMAN_BUTTON],
                      considered=[*choice.considered, *({"id": entry.code, "via": "registry suggestion", "similarity": round(sim, 3)}
                                                        for entry, sim in suggested)],
                      context=Context(offered=(record,) if record else ()))
    if nlu.intent == "out_of_scope" or words(question).content:
        return Answer(compose.REFUSAL, REFUSAL, FALLBACK, 0.3, reason="out_of_scope", considered=choice.considered)
    return Answer(compose.CLARIFY, CLARIFY, FALLBACK, 0.2, reason="clarify", buttons=compose.intent_buttons([nlu.intent]),
                  considered=choice.considered)
