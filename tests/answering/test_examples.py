"""The bank of labelled questions (knowledge/questions.py) and the evidence read from it
(answering/examples.py): a test set's held-out half never enters it, a question is never its own
evidence in a fit, and a bad line is refused with its place."""
import json
import sys
from pathlib import Path

import pytest

from answering import examples
from answering.search import get_retriever
from knowledge.questions import load_questions, parse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "eval"))


def _held_out_questions():
    """Every turn of the test sets' held-out halves (benchmarks/fitting.py TESTING), never printed."""
    from fitting import TESTING

    out = []
    for name in TESTING:
        for line in (ROOT / "eval" / name / "heldout.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out += item.get("turns") or [item["question"]]
    return out


def test_no_held_out_question_of_a_test_set_is_in_the_bank():
    from fitting import TESTING

    bank = load_questions()
    assert bank and not any(q.origin.endswith("/heldout") and q.origin.split("/")[0] in TESTING for q in bank)
    assert not set(_held_out_questions()) & {q.text for q in bank}


def test_the_bank_is_what_the_exporter_writes_from_the_fits_training_halves():
    from question_bank import lines

    exported = [q.labels for q in load_questions() if not q.origin.startswith("written/")]
    assert [parse(line, "exported").labels for line in lines()] == exported


def test_the_questions_written_for_the_bank_are_not_the_test_sets_questions():
    """knowledge/questions/written.jsonl was written for the bank alone: no question of it is
    close to a held-out question of the test sets (compared by key, never printed)."""
    import difflib

    from textkeys import key

    written = [key(q.text) for q in load_questions() if q.origin.startswith("written/")]
    assert len(written) > 800
    held = [key(t) for t in _held_out_questions()]
    close = 0
    for w in written:
        matcher = difflib.SequenceMatcher(None, "", w)  # the written question as the cached side (b)
        for h in held:
            matcher.set_seq1(h)
            close += matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75 and matcher.ratio() >= 0.75
    assert close == 0, f"{close} written questions are close to held-out questions"


@pytest.mark.slow
def test_a_labelled_question_is_evidence_for_its_label_unless_its_set_is_left_out():
    question = next(q for q in load_questions() if q.origin.startswith("breadth4/") and q.labels[0].startswith("code:"))
    retriever = get_retriever()
    found = examples.evidence(question.text, question.labels[0], retriever)
    # itself (embedded as a passage, asked as a query): the closest question of all
    assert found["example_agree"] > 0.95 and found["example_lead"] > 0
    with examples.leaving_out("breadth4/"):
        left_out = examples.evidence(question.text, question.labels[0], retriever)
    assert left_out["example_agree"] < found["example_agree"]
    unknown = examples.evidence(question.text, "no-such-record", retriever)
    assert unknown["example_agree"] == examples.FLOOR


@pytest.mark.slow
def test_the_closest_labelled_questions_vote_for_their_labels():
    question = next(q for q in load_questions() if q.origin.startswith("breadth4/") and q.labels[0].startswith("code:"))
    retriever = get_retriever()
    mine = examples.votes(question.text, question.labels[0], retriever)
    # itself is the closest, so it carries the most weight; the count is over the VOTERS closest
    assert mine["example_votes"] > 0.3 and mine["example_count"] >= 1 / examples.VOTERS, mine
    assert examples.votes(question.text, "no-such-record", retriever) == {"example_votes": 0.0, "example_count": 0.0}
    with examples.leaving_out("breadth4/"):
        left_out = examples.votes(question.text, question.labels[0], retriever)
    assert left_out["example_votes"] < mine["example_votes"]
    assert left_out["example_count"] <= mine["example_count"] - 1 / examples.VOTERS + 1e-9


@pytest.mark.slow
def test_a_question_about_a_code_its_record_covers_is_evidence_for_that_record():
    # 1.014064 (cấp lại thẻ căn cước) is `covered_by` cap-the-can-cuoc in the registry
    question = next(q for q in load_questions() if q.labels == ("code:1.014064",))
    retriever = get_retriever()
    for_record = examples.evidence(question.text, "cap-the-can-cuoc", retriever)
    assert for_record["example_agree"] > 0.95, for_record  # itself, read as about the record too
    other = examples.evidence(question.text, "cap-ho-chieu", retriever)
    assert other["example_lead"] < 0 < for_record["example_lead"]


@pytest.mark.parametrize("line, message", [({"records": ["x"]}, "no question"), ({"q": "hỏi gì đó"}, "needs records, code or none")])
def test_a_bad_line_is_refused_with_its_place(line, message):
    with pytest.raises(ValueError, match=f"bank.jsonl:3: {message}"):
        parse(line, "bank.jsonl:3")
