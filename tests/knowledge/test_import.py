"""`dvc-bot knowledge import`: real files in a copy of the knowledge folder, the real CLI (its main,
and once as a process), the real linter. Imports add, change and remove their own entries, never
a curated one, and write nothing unless every row passes."""
import csv
import json
import shutil
import subprocess
import sys

import pytest
import yaml

from dvcbot.cli import main
from knowledge.lint import check
from knowledge.registry import RegistryMatcher, load_registry
from tests.conftest import ROOT

EXAMPLES = ROOT / "knowledge" / "examples"
HEADER = ["code", "name", "field", "level", "agency", "processing_time", "fee", "online_level", "source_url", "checked"]


@pytest.fixture
def knowledge(tmp_path):
    root = tmp_path / "knowledge"
    for name in ("docs", "procedures", "registry"):
        shutil.copytree(ROOT / "knowledge" / name, root / name)
    return root


def snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run(capsys, *args):
    code = main(["knowledge", "import", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(code, name, agency="UBND cấp xã", fee="Không thu phí", level="xã", online="một phần", time="3 ngày làm việc"):
    return [code, name, "Hộ tịch", level, agency, time, fee, online, f"https://example.org/tt/{code}", "2026-12-01"]


def imported(root, stem):
    return yaml.safe_load((root / "registry" / f"imported-{stem}.yml").read_text(encoding="utf-8"))["procedures"]


def a_curated_entry(root):
    return next(e for e in load_registry(root / "registry") if e.code)


def test_a_csv_list_becomes_registry_entries_and_a_second_import_changes_nothing(knowledge, capsys):
    code, out, _ = run(capsys, EXAMPLES / "example-province.csv", "--knowledge-dir", knowledge)
    assert code == 0, out
    assert "3 new, 0 changed, 0 removed" in out and out.count("  new      9.00000") == 3
    target = knowledge / "registry" / "imported-example-province.yml"
    assert target.read_text(encoding="utf-8").startswith("# Imported by `dvc-bot knowledge import` from example-province.csv")
    entries = {e.code: e for e in load_registry(knowledge / "registry")}
    first = entries["9.000001"]
    assert (first.field, first.level, first.online, first.authority) == ("Văn hóa", "xã", "một phần", "UBND cấp xã")
    assert entries["9.000003"].level == "tỉnh" and entries["9.000003"].online == "một phần"  # "cấp tỉnh", "mức 3"
    by_code = {e["code"]: e for e in imported(knowledge, "example-province")}
    assert by_code["9.000003"]["documents"] == ["Đơn đề nghị", "Bản sao giấy tờ liên quan"]
    assert str(by_code["9.000002"]["checked"]) == "2026-12-01"  # written 01/12/2026
    assert RegistryMatcher(list(entries.values())).find("cho hỏi xin phep le hoi vi du ở đâu").code == "9.000001"
    assert not [f for f in check(knowledge).errors if "imported" in f.file]

    before = snapshot(knowledge)
    code, out, _ = run(capsys, EXAMPLES / "example-province.csv", "--knowledge-dir", knowledge)
    assert code == 0 and "0 new, 0 changed, 0 removed, 3 unchanged" in out and "nothing to write" in out
    assert snapshot(knowledge) == before


def test_the_report_names_changed_and_removed_entries(knowledge, tmp_path, capsys):
    source = tmp_path / "xa-a.csv"
    write_csv(source, [row("9.100001", "Thủ tục thử một"), row("9.100002", "Thủ tục thử hai")])
    assert run(capsys, source, "--knowledge-dir", knowledge)[0] == 0
    write_csv(source, [row("9.100001", "Thủ tục thử một", fee="50.000 đồng"), row("9.100003", "Thủ tục thử ba")])
    code, out, _ = run(capsys, source, "--knowledge-dir", knowledge)
    assert code == 0 and "1 new, 1 changed, 1 removed" in out
    assert "changed  9.100001  Thủ tục thử một  (fee)" in out and "removed  9.100002" in out and "new      9.100003" in out
    assert [e["code"] for e in imported(knowledge, "xa-a")] == ["9.100001", "9.100003"]


def test_a_json_list_imports_the_same_way(knowledge, capsys):
    code, out, _ = run(capsys, EXAMPLES / "example-extra.json", "--knowledge-dir", knowledge)
    assert code == 0 and "2 new, 0 changed, 0 removed" in out
    entries = {e["code"]: e for e in imported(knowledge, "example-extra")}
    assert entries["9.000101"]["documents"] == ["Tờ khai đăng ký", "Bản sao giấy tờ tùy thân"]
    assert entries["9.000101"]["legal_basis"] == ["Văn bản ví dụ số 03/2026"]
    # no aliases given: found by its name (accent-free) and code only; no invented words
    assert entries["9.000102"]["aliases"] == ["cap ban sao vi du"] and entries["9.000102"]["online"] == ""


def test_a_bad_row_is_named_and_nothing_is_written(knowledge, tmp_path, capsys):
    before = snapshot(knowledge)
    source = write_csv(tmp_path / "bad.csv", [row("9.100001", "Thủ tục thử một"), row("9.10002", "Thủ tục thử hai", level="huyện")])
    code, out, err = run(capsys, source, "--knowledge-dir", knowledge)
    assert code == 1 and "nothing was written" in err
    assert "row 3, code: '9.10002' is not a national code" in err and "row 3, level: 'huyện'" in err
    assert "row 2" not in err and out == ""
    # a row the linter rejects (a district authority, abolished on 1/7/2025), mapped to its row
    source = write_csv(tmp_path / "bad.csv", [row("9.100001", "Thủ tục thử một"), row("9.100002", "Thủ tục thử hai", agency="UBND cấp huyện")])
    code, _, err = run(capsys, source, "--knowledge-dir", knowledge)
    assert code == 1 and "row 3 (9.100002): authority names the district tier" in err
    assert snapshot(knowledge) == before


def test_a_row_that_would_change_a_curated_entry_is_refused(knowledge, tmp_path, capsys):
    curated = a_curated_entry(knowledge)
    before = snapshot(knowledge)
    source = write_csv(tmp_path / "xa-b.csv", [row("9.100001", "Thủ tục thử một"), row(curated.code, curated.name, agency="Một cơ quan khác", level=curated.level)])
    code, _, err = run(capsys, source, "--knowledge-dir", knowledge)
    assert code == 1 and f"row 3, code {curated.code}: would change the curated registry/{curated.file} (authority): refused" in err
    assert snapshot(knowledge) == before

    code, out, _ = run(capsys, source, "--knowledge-dir", knowledge, "--keep-curated")
    assert code == 0 and f"kept     {curated.code}  row 3" in out and "1 new" in out and "1 curated kept" in out
    assert [e["code"] for e in imported(knowledge, "xa-b")] == ["9.100001"]
    assert (knowledge / "registry" / curated.file).read_bytes() == before[f"registry/{curated.file}"]


def test_a_row_that_says_what_the_curated_entry_says_is_left_out(knowledge, tmp_path, capsys):
    curated = a_curated_entry(knowledge)
    same = row(curated.code, curated.name, agency=curated.authority, level=curated.level, online=curated.online)
    source = write_csv(tmp_path / "xa-c.csv", [same, row("9.100001", "Thủ tục thử một")])
    code, out, _ = run(capsys, source, "--knowledge-dir", knowledge)
    assert code == 0 and f"curated  {curated.code}  row 2: same as registry/{curated.file}" in out
    assert [e["code"] for e in imported(knowledge, "xa-c")] == ["9.100001"]


def test_a_full_record_is_curated_too(knowledge, tmp_path, capsys):
    records = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((knowledge / "procedures").glob("*.yml"))]
    record = next(r for r in records if r.get("code"))
    source = write_csv(tmp_path / "xa-d.csv", [row(record["code"], record["name"], agency=record["authority"], time=record["processing_time"], fee="Một mức phí khác")])
    code, _, err = run(capsys, source, "--knowledge-dir", knowledge)
    assert code == 1 and f"would change the curated procedures/{record['id']}.yml (fee): refused" in err


def test_dry_run_writes_nothing(knowledge, capsys):
    before = snapshot(knowledge)
    code, out, _ = run(capsys, EXAMPLES / "example-province.csv", "--knowledge-dir", knowledge, "--dry-run")
    assert code == 0 and "3 new, 0 changed, 0 removed" in out and "dry run: nothing written" in out
    assert snapshot(knowledge) == before


def test_rows_without_a_checked_date_need_one_from_the_command_line(knowledge, tmp_path, capsys):
    source = tmp_path / "xa-e.json"
    source.write_text(json.dumps([dict(zip(HEADER[:-1], row("9.100001", "Thủ tục thử một")[:-1]))], ensure_ascii=False), encoding="utf-8")
    code, _, err = run(capsys, source, "--knowledge-dir", knowledge)
    assert code == 1 and "row 1, checked: is empty" in err
    code, _, _ = run(capsys, source, "--knowledge-dir", knowledge, "--checked", "2026-11-30")
    assert code == 0 and str(imported(knowledge, "xa-e")[0]["checked"]) == "2026-11-30"


def test_the_command_exits_non_zero_as_a_process(knowledge, tmp_path):
    source = write_csv(tmp_path / "bad.csv", [row("9.100001", "")])
    done = subprocess.run([sys.executable, "-m", "dvcbot.cli", "knowledge", "import", str(source), "--knowledge-dir", str(knowledge)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "row 2, name: is empty" in done.stderr
    assert not list((knowledge / "registry").glob("*imported*"))
