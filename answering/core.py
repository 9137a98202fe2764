"""answer(question, context, nlu) -> Answer: the record the citizen means, the fact they asked,
or an honest referral. Rasa actions, `dvc-bot ask`, the shell and the benchmarks all call this."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import List, Optional

from answering import cards, choose, compose, gaps, rescue
from answering.aspects import aspects_in
from answering.facts import best_facts, cues_in, deadline_asked, procedure_facts
from answering.model import CLARIFY, DOCUMENT, PROCEDURE, REGISTRY, Answer, Context, Nlu
from answering.vocab import only_how_to_pay, only_what_any_procedure_asks, pattern_spans, shift_positions, words
from knowledge.catalog import load_procedures
from knowledge.documents import load_documents
from knowledge.normalize import normalize_text, search_form
from store.outcomes import ANSWERED, FALLBACK

# the intent's topics: a tie-breaker among records that cover the question equally
INTENT_TOPICS = {
    "ask_access": {"access", "procedure"},
    "ask_security": {"security"},
    "troubleshoot": {"troubleshooting"},
    "ask_benefits": {"benefits"},
    "ask_support": {"support"},
}
# a follow-up that asks about another procedure with the same aspect: "còn khai sinh thì sao?"
_SAME_AGAIN = re.compile(r"^(con|the con|vay con|thế còn)\b|\bthi sao\b|\bthe nao\b$|\bnua\b|\bthi the nao\b")
# how to do something on the portal ("nộp phí online thế nào"): a general question, not "which procedure?"
_HOW_TO = re.compile(r"the nao|ra sao|lam sao|\bcach\b|bang cach|huong dan|cac buoc|kieu gi|nhu nao")
def answer(question: str, context: Optional[Context] = None, nlu: Optional[Nlu] = None, search=None,
           verify: bool = True, second_look: bool = True) -> Answer:
    """The answer to `question`. `search(query, k)` returns retrieval results (default: the
    shared retriever); pass a stub only to test without an index. With `verify`, a card the
    verifier doubts (answering.verify) becomes a referral that offers the record as a button.
    With `second_look`, a referral given with nothing in context may still answer the record or
    registry procedure the question most likely means (answering.rescue)."""
    ctx = context or Context()
    nlu = nlu or Nlu()
    question = normalize_text(question or "")
    results = _once(search, question)
    found = _verified(question, ctx, nlu, results, verify)
    if second_look and rescue.eligible(found, ctx, nlu.from_button):
        found = _second_look(question, found, ctx, nlu, results) or found
    found = _plain_if_nothing_foreign(question, found, ctx, nlu)
    if found.outcome != ANSWERED and ctx.told and not nlu.from_button and ctx.awaiting is None:
        found = _with_what_was_told(question, found, ctx, nlu, search, verify, second_look)
    found = _context_kept(question, found, ctx, nlu)
    found.context = replace(found.context, told=question)
    return found


def _with_what_was_told(question: str, found: Answer, ctx: Context, nlu: Nlu, search, verify: bool,
                        second_look: bool) -> Answer:
    """The answer to the last message read together with the one before it, when the last alone
    answered nothing: "hộ chiếu em hết hạn từ năm ngoái" then "giờ làm lại trên VNeID được không".
    The earlier message tells the situation the question is about."""
    joined = f"{ctx.told.rstrip(' .?!')}. {question}"
    # read as one question asked afresh (the procedure in context came from the earlier message
    # alone), by the rules and the verifier only: the second look's guess on a longer text is riskier
    again = answer(joined, Context(), nlu, search=search, verify=verify, second_look=False)
    doubted = {c.get("id") for c in found.considered if c.get("via") == "verifier"} | set(found.context.offered)
    if again.outcome != ANSWERED or again.record_id in doubted:
        return found  # the record already doubted for this question is not answered by the longer text
    again.considered = [{"id": again.record_id, "via": "with the message before"}, *again.considered]
    return again


def _context_kept(question: str, found: Answer, ctx: Context, nlu: Nlu) -> Answer:
    """A follow-up that no record covers, in a conversation about a procedure, is read as about
    that procedure instead of a referral that forgets it ("đăng ký thường trú về nhà chồng" then
    "nhà đứng tên bố chồng, có cần ông ký đồng ý không?"): the card of the procedure when lines of
    its record share the detail asked, else what its guide does not cover, and the conversation
    keeps the procedure either way."""
    if (found.reason != "no_answer" or found.context.procedure or nlu.from_button or ctx.awaiting is not None
            or ctx.procedure not in load_procedures()):
        return found
    proc = load_procedures()[ctx.procedure]
    considered = [{"id": proc.id, "via": "context kept"}, *found.considered]
    if not best_facts(question, procedure_facts(proc), [proc.name, *proc.aliases]):
        return cards.not_said(proc, "", considered)
    kept = _context_card(question, _aspects_asked(question, nlu), ctx, 0.5)
    kept.considered = considered
    return kept


def _plain_if_nothing_foreign(question: str, found: Answer, ctx: Context, nlu: Nlu) -> Answer:
    """A card or registry reply about a foreign-element procedure for a question that says nothing
    foreign is given for the plain procedure of the same name (its record, or its registry entry).
    A button the citizen tapped is kept, and so is the procedure in context: the foreign partner was
    told in an earlier message."""
    from knowledge.registry import entries_by_code

    if found.outcome != ANSWERED or nlu.from_button or found.kind not in (PROCEDURE, REGISTRY):
        return found
    if found.record_id in (ctx.procedure, ctx.answer_id):
        return found
    entry = entries_by_code().get(found.record_id) if found.kind == REGISTRY else None
    procedures = load_procedures()
    name = entry.name if entry else (procedures[found.record_id].name if found.record_id in procedures else "")
    if not name or not choose.foreign_unstated(name, question) or (ctx.told and not choose.foreign_unstated(name, ctx.told)):
        return found  # something foreign said, now or in the message before
    plain = choose.plain_twin(name)
    if plain is None or plain == found.record_id:
        return found
    considered = [{"id": plain, "via": "nothing foreign said"}, *found.considered]
    if plain in load_procedures():
        choice = choose.Choice("plain twin", plain, "procedure", confidence=found.confidence, considered=considered)
        out = cards.procedure_card(plain, question, found.aspects or _aspects_asked(question, nlu), choice)
    else:
        twin = entries_by_code().get(plain)
        if twin is None:
            return found
        out = cards.registry_card(choose.Choice("plain twin", twin.code, "registry", confidence=found.confidence, entry=twin))
        out.considered = considered
    return out if out.outcome == ANSWERED else found


def _second_look(question: str, referral: Answer, ctx: Context, nlu: Nlu, results) -> Optional[Answer]:
    """The record or registry procedure answering.rescue is confident the question means, answered
    in place of `referral`; None to keep the referral."""
    found = rescue.candidates(question, referral, ctx, results())
    picked = rescue.pick(found)
    if picked is None or _unnamed_over_named(question, referral, *picked[:2]):
        return None
    return rescued(question, referral, nlu, found, *picked)


def _unnamed_over_named(question: str, referral: Answer, kind: str, ident: str) -> bool:
    """The second look would answer another full record than the one the question names (and the
    verifier doubted), when the named record's names explain the whole question and the other's
    much less: "cải tạo nhà, nâng thêm tầng thì xin giấy phép xây dựng" names the renovation
    permit, not the amendment of a permit already granted."""
    named = [c.get("id") for c in referral.considered if c.get("via") == "named"]
    if kind != "record" or not named or ident in named or named[0] not in load_procedures():
        return False
    asked = words(question)
    phrases = choose.thesaurus_positions(asked)
    _, own = choose.coverage(asked, named[0], phrases)
    _, theirs = choose.coverage(asked, ident, phrases)
    # the named record's names explain the whole question, and the other's much less
    return own >= NAMES_ALL and theirs < own - NAMED_LEAD


def rescued(question: str, referral: Answer, nlu: Nlu, found: "rescue.Candidates", kind: str, ident: str,
            chance: float) -> Optional[Answer]:
    """The answer about `ident` (a record, or a registry code with `kind` "registry") given in place
    of `referral`, when it answers (a record whose card would itself refer gives None)."""
    from knowledge.registry import entries_by_code

    considered = [{"id": ident, "via": "second look", "chance": round(chance, 3)}, *referral.considered]
    if kind == "registry":
        entry = entries_by_code().get(ident)
        if entry is None or cards.renews_asked_first(entry, question):
            return None
        out = cards.registry_card(choose.Choice("registry", entry.code, "registry", confidence=round(chance, 3), entry=entry))
        out.considered = considered
        return out
    if choose.too_old_for(ident, question):  # "con tôi 16 tuổi": not the card for children under 14
        return None
    out = cards.record_card(ident, question, _aspects_asked(question, nlu), "second look", round(chance, 3), considered)
    return out if out.outcome == ANSWERED else None


def _verified(question: str, ctx: Context, nlu: Nlu, results, verify: bool) -> Answer:
    """The answer the rules choose, and with `verify` a card in doubt turned into a referral. A
    record the last referral offered as a button, found again in the next message, is not doubted
    twice: the citizen typed instead of tapping ("sổ đỏ in sai năm sinh" → doubt → "đính chính thì
    có mất phí không?")."""
    card = _answer(question, ctx, nlu, results)
    if (verify and _verifiable(card, nlu) and not _picked(card, ctx) and not _asked_by_name(question, card)
            and card.record_id not in ctx.offered):
        from answering import verify as verifier

        values = verifier.features(question, card, ctx, results())
        chance = verifier.doubt(values)
        if chance >= verifier.threshold():
            runner_up = _runner_up(question, card, results())
            settled = _settled_by_conversation(question, card, ctx, runner_up, chance)
            if settled is not None:
                return settled
            better = _named_fully(question, card, runner_up, chance)
            if better is None and ctx.procedure is None:
                # the registry-only procedure the question's words and the encoder both point at
                # ("thường trú theo chiếc ghe": the commune's confirmation, not the residence card)
                better = cards.registry_match_card(question)
                if better is not None and _via(card) == "named" and not _registry_named(question, better.record_id):
                    # "lý lịch tư pháp số 2 có nhờ người khác làm thay được không": the record the
                    # question names by its words, not a registry procedure it only shares words with
                    better = None
            if better is None and _via(card) in (None, "search") and not cards.about_a_service(question, nlu, ctx, card.considered):
                # "kết quả xổ số hôm nay": a card retrieval found through a shared word ("kết quả"),
                # doubted, is no reason to offer procedures to a question about no public service
                # (a record the question names is a public service: "sổ đỏ in sai năm sinh")
                doubted = {"id": card.record_id, "via": "verifier", "doubt": round(chance, 3), "service": False}
                return cards.no_record(question, nlu, choose.Choice("none", considered=[*card.considered, doubted]), ctx)
            return better or cards.in_doubt(question, card, ctx, chance, runner_up)
    return card


def _settled_by_conversation(question: str, card: Answer, ctx: Context, runner_up: Optional[str],
                             chance: float) -> Optional[Answer]:
    """The record the conversation is about, when the verifier doubts the card and that record is
    the runner-up: "xin bản sao đó trên mạng được không" after the copy of a birth certificate, or
    "lấy lại trên điện thoại của em được không" after the guide to a forgotten VNeID password."""
    if not runner_up or runner_up not in (ctx.procedure, ctx.answer_id):
        return None
    procedure = runner_up in load_procedures()
    if not procedure and runner_up not in load_documents():
        return None
    considered = [{"id": runner_up, "via": "context"}, {"id": card.record_id, "via": "verifier", "doubt": round(chance, 3)}]
    out = cards.record_card(runner_up, question, card.aspects, "context", round(1 - chance, 3), considered)
    # a procedure's card is kept when it refers ("chưa nói về …" names the procedure in context); a
    # guide's that would refer is no answer
    return out if procedure or out.outcome == ANSWERED else None


def _registry_named(question: str, code: Optional[str]) -> bool:
    """The question writes one of the registry procedure's names or aliases."""
    from knowledge.registry import default_registry_matcher

    return any(entry.code == code for entry in default_registry_matcher().find_all(question))


NAMES_ALL = 0.9  # share of the subject words the next record's names (and all its text) explain ...
NAMES_LITTLE = 0.5  # ... when the doubted record's names explain less than this share
NAMED_LEAD = 0.25  # how much more of the question a named record's names explain than a second look's pick


def _named_fully(question: str, card: Answer, runner_up: Optional[str], chance: float) -> Optional[Answer]:
    """The next record retrieval found, answered instead of the doubted card, when its names
    explain the whole question and the doubted record's names not half of it: the narrower twin
    the question names ("gplx quân sự đổi sang bằng dân sự", not "đổi bằng lái")."""
    if not runner_up or runner_up not in load_procedures() or choose.too_old_for(runner_up, question):
        return None
    asked = words(question)
    phrases = choose.thesaurus_positions(asked)
    _, own = choose.coverage(asked, card.record_id, phrases)
    cov, ident = choose.coverage(asked, runner_up, phrases)
    if own >= NAMES_LITTLE or cov < NAMES_ALL or ident < NAMES_ALL:
        return None
    choice = choose.Choice("runner-up", runner_up, "procedure", confidence=round(1 - chance, 3),
                           considered=[{"id": runner_up, "via": "runner-up", "identity": round(ident, 3)},
                                       {"id": card.record_id, "via": "verifier", "doubt": round(chance, 3), "identity": round(own, 3)}])
    found = cards.procedure_card(runner_up, question, card.aspects, choice)
    return found if found.outcome == ANSWERED else None


def _via(card: Answer) -> Optional[str]:
    """How the card's record was chosen (the first record it considered)."""
    return card.considered[0].get("via") if card.considered else None


def _verifiable(card: Answer, nlu: Nlu) -> bool:
    """A card chosen by reading the question: not one the citizen picked with a button, named by its
    title or code, or a follow-up answered from the procedure in context (the conversation names it)."""
    return (card.outcome == ANSWERED and card.kind in (PROCEDURE, DOCUMENT) and not nlu.from_button
            and _via(card) not in ("button", "title", "code", "context"))


def _asked_by_name(question: str, card: Answer) -> bool:
    """The question's last clause holds only the card's procedure's naming words, an aspect and
    who it is for (gaps.asked_by_name): the situation told before it is no reason to doubt the card."""
    return card.kind == PROCEDURE and _via(card) == "named" and gaps.asked_by_name(question, load_procedures()[card.record_id])


def _picked(card: Answer, ctx: Context) -> bool:
    """The card answers "which procedure?" with the procedure the reply named."""
    return ctx.awaiting == "procedure" and card.kind == PROCEDURE and _via(card) == "named"


def _coded_answer(question: str) -> Optional[Answer]:
    """The procedure whose national code the message names: its full record when we hold one
    (with the aspects asked), else what the registry says."""
    from knowledge.registry import entry_in

    entry = entry_in(question)
    if entry is None:
        return None
    if entry.record and entry.record in load_procedures():
        choice = choose.Choice("code", entry.record, "procedure", confidence=1.0,
                               considered=[{"id": entry.record, "via": "code", "code": entry.code}])
        return cards.procedure_card(entry.record, question, aspects_in(question, []), choice)
    return cards.registry_card(choose.Choice("registry", entry.code, "registry", confidence=1.0, entry=entry))


def _titled_document(question: str) -> Optional[str]:
    """The guide whose title is the whole message, if any."""
    from knowledge.documents import document_titles

    return document_titles().get(search_form(question).strip(" ?.!"))


def _runner_up(question: str, card: Answer, results) -> Optional[str]:
    """The next retrieved record, when it explains the question's subject words at least as the
    first pick would have to (choose.TOP_COVERAGE, choose.IDENTITY)."""
    asked = words(question)
    phrases = choose.thesaurus_positions(asked)
    for result in results[:3]:
        if result.id == card.record_id or result.kind not in ("procedure", "doc", "document"):
            continue
        if result.id not in load_procedures() and result.id not in load_documents():
            continue
        if choose.too_old_for(result.id, question):  # "con 16 tuổi": not the card for children under 14
            continue
        cov, ident = choose.coverage(asked, result.id, phrases)
        if cov >= choose.TOP_COVERAGE and ident >= choose.IDENTITY:
            return result.id
    return None


def _answer(question: str, ctx: Context, nlu: Nlu, results) -> Answer:
    coded = _coded_answer(question)
    if coded is not None:  # a national code, as typed from the portal or sent by a suggestion's button
        return coded
    titled = _titled_document(question)
    if titled:  # a guide's title, as the button of a doubted guide sends it
        return cards.document_card(titled, question, choose.Choice("title", titled, "doc", confidence=1.0,
                                                                considered=[{"id": titled, "via": "title"}]))
    aspects = _aspects_asked(question, nlu)

    choice = choose.named(question, nlu)
    if choice.via == "named" and choice.kind == "procedure":
        held = _needed_paper_of(question, choice.record_id, ctx)
        if held is not None:  # "có cần giấy xác nhận độc thân không" about đăng ký kết hôn: one of its papers
            return cards.procedure_card(held.record_id, question, aspects, held)
    if _context_named_too(question, choice, ctx):
        # "làm lại khai sinh cho ba thì nộp ở đâu" after đăng ký lại khai sinh: what the citizen
        # names is also a name of the procedure in context, the narrower one the conversation is about
        choice = choose.Choice("context", ctx.procedure, "procedure", confidence=0.8,
                               considered=[{"id": ctx.procedure, "via": "context", "named": choice.record_id or choice.candidates}])
        return cards.procedure_card(ctx.procedure, question, _carried(aspects, question, ctx, ctx.procedure), choice)
    if choice.via == "ambiguous" and ctx.procedure in load_procedures() and ctx.awaiting != "procedure":
        choice = _settled_by_context(question, choice, ctx, nlu)
        if choice.via == "context":
            return cards.procedure_card(choice.record_id, question, aspects, choice)
    if choice.via == "ambiguous":
        # "sổ đỏ ghi sai năm sinh của vợ": a name several records share, and words besides it that
        # retrieval reads (the verifier still checks its pick); only the bare name asks which one
        choice = _settled_by_search(question, choice, results, nlu)
    if choice.via == "ambiguous":
        procs = [load_procedures()[p] for p in choice.candidates]
        aspect = aspects[0] if aspects else ctx.aspect
        return Answer(compose.ASK_PROCEDURE.split("?")[0] + "?", CLARIFY, FALLBACK, 0.5, reason="clarify",
                      buttons=compose.clarify_buttons(procs, aspect), aspects=aspects,
                      considered=[{"id": p, "via": "shared name"} for p in choice.candidates],
                      context=Context(procedure=ctx.procedure, aspect=aspect, awaiting="procedure"))
    if choice.via in ("button", "named"):
        if not aspects and ctx.aspect and (nlu.from_button or ctx.awaiting == "procedure" or _same_again(question, choice.record_id)):
            aspects = [ctx.aspect]  # "còn khai sinh thì sao?" keeps the aspect asked before
        guide = _guide_explaining_more(question, choice, results) if choice.via == "named" else None
        if guide is not None:  # "ảnh làm hộ chiếu bị báo không hợp lệ": the guide on that, not the card
            return cards.document_card(guide.record_id, question, guide)
        if choice.via == "named":
            elsewhere = _mostly_about_something_else(question, choice.record_id)
            if elsewhere:  # "sổ bảo hiểm ghi sai năm sinh so với thẻ căn cước": not the ID card's card
                return cards.registry_match_card(question) or cards.named_in_passing(choice.record_id, elsewhere, aspects)
        mobile = choose.mobile_twin(choice.record_id, question)
        if mobile is not None:  # "cán bộ xã có xuống tận nhà làm khai tử không": the mobile procedure
            return cards.registry_card(choose.Choice("registry", mobile.code, "registry", confidence=0.9, entry=mobile))
        # the reply to "which procedure?": its other words describe the procedure, they ask nothing else
        return cards.procedure_card(choice.record_id, question, aspects, choice, chosen=ctx.awaiting == "procedure")
    if choice.via == "registry":
        matched = cards.registry_match_card(question)
        if matched is not None and matched.record_id != (choice.entry.code or choice.entry.name):
            # "xin xã xác nhận thu nhập thấp để mua nhà ở xã hội": the name said in passing is not
            # what the words and the encoder both describe
            return matched
        return cards.registry_card(choice)

    twin = choose.context_twin(ctx.procedure, question) if ctx.procedure and ctx.awaiting != "procedure" else None
    if twin is not None:
        # "giờ em muốn nghỉ hẳn thì làm gì" after đăng ký hộ kinh doanh: its ending, named by the context
        choice = choose.Choice("context", twin, "procedure", confidence=0.8,
                               considered=[{"id": twin, "via": "context", "twin of": ctx.procedure}])
        return cards.procedure_card(twin, question, _carried(aspects, question, ctx, twin), choice)
    if choose.follows_context(question, ctx) and (aspects or _has_detail(question)):
        return _context_card(question, aspects, ctx, 0.8)
    if _stays_in_context(question, ctx, results):
        # "có phải thi lại không?" after cấp lại bằng lái: still that procedure (what its record
        # does not say is answered as such), not the exam procedure that shares the word
        return _context_card(question, aspects, ctx, 0.6)

    asked = words(question)
    if _points_at_a_procedure(asked):
        # "thủ tục này có phải đặt lịch hẹn trước không", "hồ sơ đó có cần hai vợ chồng cùng đi
        # không": the procedure meant is the one in context, or we ask which one
        if ctx.procedure in load_procedures():
            return _context_card(question, aspects, ctx, 0.7)
        if not ctx.answer_id:
            return cards.ask_which_procedure(aspects, ctx.offered)
    if asked.content and only_what_any_procedure_asks(asked):
        # "nhờ người nhà đi nộp thay được không?", "mẫu tờ khai tải ở đâu": true of every
        # procedure: the one in context, or ask which one
        if ctx.procedure in load_procedures():
            return _context_card(question, aspects, ctx, 0.7)
        return cards.ask_which_procedure(aspects, ctx.offered)
    if asked.content and ctx.procedure in load_procedures() and only_how_to_pay(asked):
        # "có chuyển khoản được không?" after a procedure: how to pay for that one
        return _context_card(question, aspects, ctx, 0.7)
    if not asked.content and not _HOW_TO.search(search_form(question)):
        # no subject at all: an aspect of "a procedure", or its state ("hết hạn rồi thì sao"), with
        # nothing in context
        if aspects or (asked.flat and not ctx.procedure):
            return cards.ask_which_procedure(aspects, ctx.offered)

    if (asked.content and not ctx.procedure and len(asked.flat) <= SHORT_LEVELS_ONLY
            and all(i in _levels(asked) for i in asked.content)):
        # "làm ở xã được hay phải lên tỉnh?" with nothing in context: which procedure? (a longer
        # question says more in words that are no subject: "nộp trên mạng rồi mà phường vẫn hẹn")
        return cards.ask_which_procedure(aspects, ctx.offered)

    if not asked.flat:  # nothing to read (an empty message, a bare intent button)
        return cards.no_record(question, nlu, choose.Choice("none"), ctx)
    choice = choose.from_search(question, results(), INTENT_TOPICS.get(nlu.intent))
    if choice.kind == "procedure":
        return cards.procedure_card(choice.record_id, question, aspects, choice)
    if choice.kind == "doc":
        return cards.document_card(choice.record_id, question, choice)
    return cards.no_record(question, nlu, choice, ctx)


def _context_card(question: str, aspects: List[str], ctx: Context, confidence: float) -> Answer:
    """The card of the procedure in context, for a follow-up that asks about it without naming it."""
    return cards.procedure_card(ctx.procedure, question, aspects, choose.Choice("context", ctx.procedure, "procedure", confidence=confidence))


def _needed_paper_of(question: str, named_id: str, ctx: Context) -> Optional[choose.Choice]:
    """The procedure (the one in context, else another the question names) that lists the named
    record's paper among its own, when the question asks whether that paper is needed."""
    in_context = ctx.procedure if ctx.awaiting != "procedure" else None
    others = [in_context] + [pid for pid, _, _, _ in choose.names_found(question)]
    other = choose.paper_of(question, named_id, others)
    if other is None:
        return None
    via = "context" if other == in_context else "named"
    return choose.Choice(via, other, "procedure", confidence=0.8,
                         considered=[{"id": other, "via": via, "paper asked": named_id}])


# "thủ tục này", "hồ sơ đó", "cái này", "tt này": a procedure pointed at, not named; accentless,
# only "nay", "ay" and "kia" ("do" is also "because": "hồ sơ do ai cấp")
# ("mấy cái này", "những cái đó": things in general, not one procedure)
_POINTED = re.compile(r"(?<!mấy )(?<!những )(?<!các )\b(?:thủ tục|tt|hồ sơ|hs|cái|việc|vụ|giấy tờ|giấy) (?:này|đó|ấy|kia)\b")
_POINTED_PLAIN = re.compile(r"(?<!may )(?<!nhung )(?<!cac )\b(?:thu tuc|tt|ho so|hs|cai|viec|vu|giay to|giay) (?:nay|ay|kia)\b")
POINTED_MAX = 24  # syllables: a longer question tells its own situation


def _points_at_a_procedure(asked) -> bool:
    """A short question (its `words`) that points at a procedure ("thủ tục này", "cái đó") instead
    of naming one."""
    if len(asked.flat) > POINTED_MAX:
        return False
    typed = " ".join(asked.typed)
    return bool(_POINTED.search(typed) if asked.accented else _POINTED_PLAIN.search(" ".join(asked.flat)))


# the levels of government a question may ask between, with nothing else to say what it is about
# ("huyện" is not one: a question about it asks about the reorganisation, which a guide answers)
_LEVEL = re.compile(r"\b(xa|phuong|tinh|thi tran|dac khu|trung uong|thanh pho|uy ban|ubnd|cap)\b")


SHORT_LEVELS_ONLY = 12  # syllables


def _levels(asked) -> set:
    """Positions of the words that name a level of government ("xã", "tỉnh", "ủy ban")."""
    return {i for span in pattern_spans(_LEVEL, asked.flat) for i in span}


def _context_named_too(question: str, choice: choose.Choice, ctx: Context) -> bool:
    """The names the question says (of another record, or shared by several) all belong to the
    procedure in context as well."""
    procedures = load_procedures()
    if not ctx.procedure or ctx.procedure not in procedures or ctx.awaiting == "procedure":
        return False
    if not (choice.via == "ambiguous" or (choice.via == "named" and choice.record_id != ctx.procedure)):
        return False
    own = choose.name_keys(ctx.procedure)
    if choice.said and all(any(f" {key} " in f" {name} " for name in own) for key in choice.said):
        return True
    if choice.via != "named":
        return False
    # "bản sao đó xin trên mạng được không, hay về xã nơi đăng ký khai sinh" after the copy of a
    # birth certificate: a word only the context procedure's name has, said again
    pairs = lambda flat: {f"{a} {b}" for a, b in zip(flat, flat[1:])}  # noqa: E731
    other = {p for name in choose.name_keys(choice.record_id) for p in pairs(name.split())}
    context_name = {p for p in pairs(words(procedures[ctx.procedure].name).flat)
                    if p not in other and not set(p.split()) <= NAME_FILLER}
    return bool(context_name & pairs(words(question).flat))


SAYS_MORE = 2  # subject words besides a shared name for retrieval to read which record it means


def _settled_by_context(question: str, ambiguous: choose.Choice, ctx: Context, nlu: Nlu) -> choose.Choice:
    """The one of the records sharing the name that the procedure in context settles ("nhà lo ma
    chay thì có được hỗ trợ tiền mai táng không" after the monthly social allowance: the funeral
    support of social-aid beneficiaries), read as if the question said that procedure's name too."""
    proc = load_procedures()[ctx.procedure]
    settled = choose.settle_shared(ambiguous.said, " ".join([question, proc.name, *proc.aliases]), ambiguous.candidates)
    if settled is not None:
        return choose.Choice("context", settled, "procedure", confidence=0.8,
                             considered=[{"id": settled, "via": "context", "shared name of": ambiguous.candidates}])
    return ambiguous


def _settled_by_search(question: str, ambiguous: choose.Choice, results, nlu: Nlu) -> choose.Choice:
    """The record retrieval answers a question naming a shared name with it, when the question says
    more than that name; else the ambiguity."""
    named = {w for key in ambiguous.said for w in key.split()}
    asked = words(question)
    if sum(1 for i in asked.content if asked.flat[i] not in named) < SAYS_MORE:  # "sổ đỏ mất bao lâu"
        return ambiguous
    found = choose.from_search(question, results(), INTENT_TOPICS.get(nlu.intent))
    if found.kind not in ("procedure", "doc"):
        return ambiguous
    return found


def _aspects_asked(question: str, nlu: Nlu) -> List[str]:
    """The aspects the question asks (and NLU read); a deadline after an event is not the
    processing time ("sau khi sinh bao lâu phải đi khai sinh")."""
    aspects = aspects_in(question, nlu.aspects)
    return [] if deadline_asked(question) and aspects == ["time"] else aspects


def _guide_explaining_more(question: str, choice: choose.Choice, results) -> Optional[choose.Choice]:
    """The guidance document retrieval ranks first, when what names it (title, summary, example
    questions) explains the question much better than the names of the procedure it mentions:
    "ảnh làm hộ chiếu bị báo không hợp lệ" is the guide on rejected photos, not the passport card."""
    from answering.vocab import vocabulary

    asked = words(question)
    vocab = vocabulary()
    own = vocab.coverage(asked, choice.record_id, identity=True)
    if own >= 0.99:
        return None
    found = results()
    if not found or found[0].kind == "procedure":
        return None
    top = found[0]
    theirs = vocab.coverage(asked, top.id, identity=True)
    if theirs >= max(own + 0.25, choose.IDENTITY) and vocab.coverage(asked, top.id) >= choose.IDENTITY:
        return choose.Choice("search", top.id, "doc", confidence=round(0.5 + 0.4 * theirs, 3),
                             considered=[{"id": choice.record_id, "via": "named", "identity": round(own, 3)},
                                         {"id": top.id, "via": "search", "identity": round(theirs, 3)}])
    return None


NAMED_COVERAGE = 0.25  # share of a question's subject words the record it names must explain


def _mostly_about_something_else(question: str, pid: str) -> List[str]:
    """The words of a question that names a procedure in passing but asks about something its
    record never mentions (three quarters of its subject words): those words, else []."""
    asked = words(question)
    # where it happened and for whom ("mất ở bệnh viện", "nhà tôi") tell the situation, not another subject
    situation = gaps.situation_positions(asked)
    if not set(asked.content) - situation:
        situation = set()
    covered, _ = choose.coverage(asked, pid, choose.thesaurus_positions(asked), situation)
    if covered >= NAMED_COVERAGE:
        return []
    from answering.facts import naming_positions
    from answering.vocab import vocabulary

    proc = load_procedures()[pid]
    profile = vocabulary().profiles[pid]
    named = naming_positions(asked, [proc.name, *proc.aliases])
    missing = [i for i in asked.content if i not in named and i not in situation
               and not profile.explains(asked.flat[i], asked.typed[i], asked.accented)]
    return [asked.typed[i] for i in missing]


SHORT_SIBLING_FOLLOW_UP = 2  # subject words of a follow-up that names no procedure
NAME_FILLER = frozenset({"dang", "ky", "cap", "giay"})  # in many procedures' names: they tell none apart


def _stays_in_context(question: str, ctx: Context, results) -> bool:
    """A follow-up that names no other procedure and that retrieval would answer with a neighbour
    found through a shared word, not a change of subject: still the procedure in context.
    - one or two subject words ("có phải thi lại không?" after cấp lại bằng lái), when retrieval
      would answer another procedure;
    - a word of the context procedure's own name repeated ("cán bộ có đến nhà chứng thực được
      không?" after chứng thực di chúc), when retrieval would answer anything but it."""
    if not ctx.procedure or ctx.procedure not in load_procedures():
        return False
    asked = words(question)
    if shift_positions(asked):
        return False
    name = set(words(load_procedures()[ctx.procedure].name).flat) - NAME_FILLER
    repeats = any(asked.flat[i] in name for i in asked.content)
    short = 0 < len(asked.content) <= SHORT_SIBLING_FOLLOW_UP
    if not (repeats or short):
        return False
    sibling = choose.from_search(question, results())  # what would be answered instead
    if repeats:
        return sibling.kind != "procedure" or sibling.record_id != ctx.procedure
    return sibling.kind == "procedure" and sibling.record_id != ctx.procedure


def _carried(aspects: List[str], question: str, ctx: Context, pid: str) -> List[str]:
    """The aspects asked, or the one asked before when the question only names `pid` again
    ("còn khai sinh thì sao?")."""
    return aspects or ([ctx.aspect] if ctx.aspect and _same_again(question, pid) else [])


def _same_again(question: str, pid: str) -> bool:
    """Only the procedure's name, or "còn X thì sao?": the aspect of the last question carries over."""
    form = search_form(question)
    if _SAME_AGAIN.search(form):
        return True
    asked = words(question)
    from answering.facts import naming_positions

    proc = load_procedures()[pid]
    return not (set(asked.content) - naming_positions(asked, [proc.name, *proc.aliases]))


def _has_detail(question: str) -> bool:
    """Subject words, or a specific fact asked without any ("mỗi năm được tối đa bao nhiêu ngày")."""
    return bool(words(question).content) or bool(cues_in(question))


def _once(search, question: str):
    """The question's retrieval results, searched at most once however many steps ask for them."""
    found = []

    def results():
        if not found:
            found.append(_search(search, question))
        return found[0]

    return results


def _search(search, question: str):
    if search is None:
        from answering.search import get_retriever

        return get_retriever().search(question, k=6)
    return search(question, 6)


