"""The second look (answering.rescue): a referral given with nothing in context may still answer
the registry procedure the question describes, when the fitted model is confident; never inside a
conversation, never after a button, and never for what is not a public service."""
import json

import pytest

from answering import Context, Nlu, answer, rescue
from answering.model import REFERRAL, REGISTRY, Answer
from benchmarks.fitting import TESTING
from store.outcomes import ANSWERED, FALLBACK

# new phrasings (in no eval file): a situation that names no procedure the rules know
COMPLAINT = "công an xã phạt tôi mà tôi thấy phạt sai, giờ muốn khiếu nại thì nộp đơn cho ai"
FOREIGN_LICENCE = "tôi là người Nhật, có bằng lái ô tô bên Nhật, muốn đổi sang bằng Việt Nam"


@pytest.mark.parametrize("question,code", [(COMPLAINT, "1.004335"), (FOREIGN_LICENCE, "3.000351")])
def test_a_described_registry_procedure_is_answered_on_a_second_look(question, code):
    before = answer(question, second_look=False)
    assert before.kind == REFERRAL and before.reason == "no_answer", (before.kind, before.considered)
    a = answer(question)
    assert a.kind == REGISTRY and a.outcome == ANSWERED and a.record_id == code, (a.kind, a.record_id, a.considered)
    first = a.considered[0]
    assert first["via"] == "second look" and first["chance"] >= rescue._model()["registry"]["threshold"]
    assert code in a.text and "Nơi giải quyết" in a.text


# the encoder puts another registry procedure's wording closest; labelled questions about the same
# situation carry the one meant (new phrasings, in no eval file)
REHAB_AT_HOME = "thằng út nhà tôi nghiện ma túy, giờ nó chịu cai ở nhà có bố mẹ kèm, phải khai với xã thế nào"
GUARDIAN_WATCH = "cháu mồ côi được thừa kế đất, chú nó đang giám hộ, tôi là cô ruột muốn đứng ra giám sát việc chú quản lý tài sản của cháu"


@pytest.mark.parametrize("question,code", [(REHAB_AT_HOME, "3.000527"), (GUARDIAN_WATCH, "3.000323")])
def test_the_registry_procedure_of_the_closest_labelled_question_is_a_candidate_too(question, code):
    before = answer(question, second_look=False)
    assert before.kind == REFERRAL, (before.kind, before.considered)
    from answering.core import _search

    found = rescue.candidates(question, before, Context(), _search(None, question))
    assert found.code != code and found.code_alternative == code, (found.code, found.code_alternative)
    assert set(found.code_alternative_values) == set(rescue.REGISTRY_FEATURES)
    a = answer(question)
    assert a.kind == REGISTRY and a.record_id == code, (a.kind, a.record_id, a.considered)
    assert a.considered[0]["via"] == "second look"


def test_no_second_look_inside_a_conversation_or_after_a_button():
    ctx = Context(procedure="cap-ho-chieu", answer_id="cap-ho-chieu")
    a = answer(COMPLAINT, ctx)
    assert not any(c.get("via") == "second look" for c in a.considered)
    referral = Answer("", REFERRAL, FALLBACK, 0.3, reason="no_answer")
    assert rescue.eligible(referral, Context(), from_button=False)
    assert not rescue.eligible(referral, ctx, from_button=False)
    assert not rescue.eligible(referral, Context(), from_button=True)
    assert not rescue.eligible(referral, Context(awaiting="procedure"), from_button=False)
    assert not rescue.eligible(Answer("", REFERRAL, FALLBACK, 0.3, reason="out_of_scope"), Context(), from_button=False)


def test_what_is_not_a_public_service_is_still_refused():
    a = answer("tối nay đội tuyển Việt Nam đá với Thái Lan mấy giờ?")
    assert a.reason == "out_of_scope", (a.kind, a.considered)


def test_the_kind_of_referral_is_read_from_what_it_considered():
    doubt = Answer("", REFERRAL, FALLBACK, 0.3, reason="no_answer",
                   considered=[{"id": "cap-ho-chieu", "via": "named"}, {"id": "cap-ho-chieu", "via": "verifier", "doubt": 0.9}])
    gap = Answer("", REFERRAL, FALLBACK, 0.3, reason="no_answer", considered=[{"id": "cap-ho-chieu", "via": "named", "unknown": ["móc"]}])
    gate = Answer("", REFERRAL, FALLBACK, 0.3, reason="no_answer", considered=[{"id": "cap-ho-chieu", "kind": "procedure"}])
    assert [rescue.base_of(a) for a in (doubt, gap, gate)] == ["doubt", "gap", "gate"]
    assert rescue.referred_record(gap) == "cap-ho-chieu" and rescue.referred_record(gate) is None


def test_the_candidates_carry_every_feature_the_model_reads():
    before = answer(COMPLAINT, second_look=False)
    from answering.core import _search

    found = rescue.candidates(COMPLAINT, before, Context(), _search(None, COMPLAINT))
    assert found.code == "1.004335"
    assert set(found.registry_values) == set(rescue.REGISTRY_FEATURES)
    assert found.record and set(found.record_values) == set(rescue.RECORD_FEATURES)
    rec, reg = rescue.chances(found)
    assert 0.0 <= rec <= 1.0 and reg >= rescue._model()["registry"]["threshold"]


def test_the_fitted_model_matches_the_features_and_says_how_it_was_measured():
    model = json.loads(rescue.WEIGHTS.read_text(encoding="utf-8"))
    assert tuple(model["record"]["features"]) == rescue.RECORD_FEATURES
    assert tuple(model["registry"]["features"]) == rescue.REGISTRY_FEATURES
    # the test sets (benchmarks/fitting.py TESTING) never train it; halves read as tests before do
    assert not any(f"{name}/heldout" in path for name in TESTING for path in model["trained_on"])
    assert model["measured"]


def test_a_model_fitted_on_other_features_is_refused(tmp_path, weights_at):
    model = json.loads(rescue.WEIGHTS.read_text(encoding="utf-8"))
    model["registry"]["features"] = model["registry"]["features"][:-1]
    other = tmp_path / "rescue.json"
    other.write_text(json.dumps(model), encoding="utf-8")
    weights_at(rescue, other)
    with pytest.raises(ValueError, match="rescue_fit"):
        rescue._model()


def test_without_a_model_the_referral_stands(tmp_path, weights_at):
    weights_at(rescue, tmp_path / "absent.json")
    a = answer(COMPLAINT, nlu=Nlu())
    assert a.kind == REFERRAL and a.reason == "no_answer"
