"""benchmarks/dev_halves.py: the dev halves replayed through the layer, and the questions whose
verdict a change moved."""
import json

import pytest

from benchmarks import dev_halves


@pytest.fixture
def out(tmp_path, monkeypatch):
    monkeypatch.setattr(dev_halves, "OUT", tmp_path)
    return tmp_path


def test_a_run_writes_one_scored_line_per_question(out):
    rows = dev_halves._run_sets("t", ["fresh23"], limit=3)
    assert rows[0][:2] == ("fresh23", 3)
    lines = [json.loads(line) for line in (out / "t" / "fresh23.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == [json.loads(line)["id"] for line in
                                       (dev_halves.ROOT / "eval" / "fresh23" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:3]]
    assert all(set(r) == {"id", "pass", "wrong", "did", "answer_id", "text"} and r["text"] for r in lines)
    assert sum(r["pass"] for r in lines) == rows[0][2] and sum(r["wrong"] for r in lines) == rows[0][3]


def test_compare_lists_what_moved_and_the_totals(out, capsys):
    def write(tag, rows):
        (out / tag).mkdir()
        (out / tag / "s.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    line = lambda i, ok, wrong, rid: {"id": i, "pass": ok, "wrong": wrong, "did": "answer", "answer_id": rid, "text": "…"}  # noqa: E731
    write("a", [line("q1", False, False, None), line("q2", True, False, "x"), line("q3", False, False, None), line("q4", True, False, "y")])
    write("b", [line("q1", True, False, "r"), line("q2", False, True, "z"), line("q3", False, True, "w"), line("q4", True, False, "y")])
    assert dev_halves.compare("a", "b", texts=False) == {"+": 1, "-": 1, "~": 1}
    printed = capsys.readouterr().out
    assert "+ s q1: answer -> r" in printed and "- s q2: x -> z wrong card" in printed and "~ s q3" in printed
    assert "a: 4 questions, 2 passes, 0 wrong cards" in printed and "b: 4 questions, 2 passes, 2 wrong cards" in printed
    with pytest.raises(SystemExit, match="run"):
        dev_halves.read("never-run")


def test_a_set_without_a_dev_half_is_refused_before_anything_runs(out):
    with pytest.raises(SystemExit, match="no-such-set"):
        dev_halves.run("t", ["no-such-set"], jobs=1, limit=1)
    assert not (out / "t").exists()
