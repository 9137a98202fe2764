"""The round-4 fresh sets validate, and benchmarks/answer_quality.py scores replies as documented."""
import subprocess
import sys
from pathlib import Path

from benchmarks.answer_quality import behaviour, score

ROOT = Path(__file__).resolve().parent.parent


def test_fresh_sets_validate():
    """Every fresh set's own validator (fields, record ids, expect_any verbatim, duplicates, split)."""
    scripts = [ROOT / "eval" / "validate_fresh.py", ROOT / "eval" / "fresh2" / "validate.py", ROOT / "eval" / "fresh3" / "validate.py",
               ROOT / "eval" / "fresh4" / "validate.py"]
    running = [(script, subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
               for script in scripts]
    for script, proc in running:
        output, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{script.relative_to(ROOT)}:\n{output[-2000:]}"


def item(expect, records=(), expect_any=()):
    return {"id": "t-001", "class": "x", "form": "accented", "turns": ["?"], "expect": expect,
            "records": list(records), "expect_any": list(expect_any)}


def test_answer_needs_the_fact_and_the_right_record():
    it = item("answer", ["cap-lai-giay-chung-nhan-bi-mat"], ["10 ngày làm việc"])
    assert score(it, "Tối đa 10 NGÀY làm việc", "cap-lai-giay-chung-nhan-bi-mat", {"outcome": "answered"})["pass"]
    wrong = score(it, "Tối đa 10 ngày làm việc", "cap-doi-giay-chung-nhan-quyen-su-dung-dat", "answered")
    assert wrong["key_fact"] and wrong["wrong_card"] and not wrong["pass"]


def test_referral_ask_refusal():
    ref = item("referral")
    assert score(ref, "Xin lỗi, mình chưa có thông tin", None, "fallback:no_answer")["pass"]
    assert score(ref, "…", "dang-ky-ket-hon", {"outcome": "answered", "answer_id": "dang-ky-ket-hon"})["wrong_card"]
    assert score(item("ask_procedure"), "Bạn hỏi về thủ tục nào ạ?", None, {"outcome": "fallback", "reason": "ask_procedure"})["pass"]
    assert score(item("refusal"), "…", None, "fallback:out_of_scope")["pass"]
    # without markers the text decides
    assert behaviour("Việc này nằm ngoài phạm vi mình hỗ trợ", None, None) == "refusal"
    assert behaviour("Bạn hỏi về thủ tục nào ạ?", None, {"outcome": "unknown"}) == "ask_procedure"


def test_breadth_counts_the_record_that_covers_a_registry_code_as_naming_it():
    from benchmarks.breadth import score as breadth_score

    # 1.014063 (cấp đổi thẻ căn cước) has no record of its own; cap-the-can-cuoc covers it
    it = {"id": "b-1", "form": "accented", "question": "?", "target": {"record": "", "code": "1.014063", "name": "Cấp đổi thẻ căn cước"}}
    card = breadth_score(it, "🏢 Nơi giải quyết: Công an cấp xã", {"outcome": "answered", "answer_id": "cap-the-can-cuoc"}, [])
    assert card["pass"] and not card["wrong_card"], card
    other = breadth_score(it, "🏢 Nơi giải quyết: Công an cấp xã", {"outcome": "answered", "answer_id": "cap-ho-chieu"}, [])
    assert other["wrong_card"] and not other["pass"], other
    registry = breadth_score(it, "Cơ quan giải quyết: Công an cấp xã",
                             {"outcome": "answered", "answer_id": "1.014063", "topic": "registry"}, [])
    assert registry["pass"] and not registry["wrong_card"], registry


def test_the_sets_a_set_json_describes_split_and_check_clean_through_eval_sets():
    """eval/sets.py: a set from fresh23 and breadth19 on has a set.json in place of its own split.py and
    validate.py; the shared checks pass, and the earlier sets' checks still read it."""
    sys.path.insert(0, str(ROOT / "eval"))
    from splitting import load_split, sets_of

    described = sorted(p.parent.name for p in (ROOT / "eval").glob("*/set.json"))
    assert {"fresh23", "breadth19"} <= set(described)
    assert sets_of("fresh")[:3] == ["fresh", "fresh2", "fresh3"] and "fresh23" in sets_of("fresh")
    for name in described:
        split = load_split(name)
        dev, held = split.read(split.DEV), split.read(split.HELDOUT)
        assert dev and held and split.dev_ids(dev + held) == {r["id"] for r in dev}, name
        # a breadth set's checks take a minute and a half (every earlier question, by difflib): its
        # split is checked here, and the sets it is compared with
        for command in ("split", "check") if split.spec["kind"] == "fresh" else ("split",):
            proc = subprocess.run([sys.executable, str(ROOT / "eval" / "sets.py"), command, name],
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, f"{command} {name}:\n{(proc.stdout + proc.stderr)[-2000:]}"
    import sets

    assert sets.before("breadth19", "breadth", "breadth2") == tuple(f"breadth{n}" for n in range(2, 19))
    assert sets.before("fresh23", "fresh", "fresh") == ("fresh", *(f"fresh{n}" for n in range(2, 23)))
    proc = subprocess.run([sys.executable, str(ROOT / "eval" / "sets.py"), "check", "no-such-set"], capture_output=True, text=True)
    assert proc.returncode == 2 and "usage" in proc.stderr
