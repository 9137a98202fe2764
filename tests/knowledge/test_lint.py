"""The knowledge linter catches each kind of error, and the real knowledge base is clean."""
import datetime as dt
import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from knowledge.lint import check
from tests.conftest import DVC_BOT, ROOT

TODAY = dt.date(2026, 11, 24)

DOC = {
    "id": "vneid-muc-2",
    "title": "Tài khoản VNeID mức 2",
    "topic": "access",
    "summary": "Mức 2 làm tại Công an.",
    "sources": [{"title": "VNeID", "url": "https://vneid.gov.vn/"}],
    "checked": "2026-11-01",
    "uncertain": False,
    "uncertain_note": "",
    "questions": ["VNeID mức 2 là gì?", "vneid muc 2 la gi", "tk dinh danh muc 2"],
}
BODY = "Bạn đến Công an xã để làm tài khoản mức 2.\n\n## Cần mang gì\nThẻ căn cước."
PROC = {
    "id": "cap-ho-chieu",
    "name": "Cấp hộ chiếu",
    "aliases": ["hộ chiếu", "passport"],
    "authority": "Phòng Quản lý xuất nhập cảnh Công an tỉnh",
    "where": "Công an tỉnh",
    "processing_time": "8 ngày làm việc",
    "fee": "200.000đ",
    "documents": ["Tờ khai"],
    "online": {"level": "toàn trình", "url": "https://dichvucong.gov.vn/"},
    "steps": ["Nộp tờ khai"],
    "sources": [{"title": "Cổng DVC", "url": "https://dichvucong.gov.vn/"}],
    "checked": "2026-11-01",
    "uncertain": False,
}


def write_doc(root: Path, meta: dict, body: str = BODY, folder: str = None) -> Path:
    path = root / "docs" / (folder or meta.get("topic", "access")) / f"{meta.get('id', 'x')}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body + "\n", encoding="utf-8")
    return path


def write_proc(root: Path, data: dict, name: str = None) -> Path:
    path = root / "procedures" / f"{name or data.get('id', 'x')}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def errors(root: Path) -> list:
    return [f.message for f in check(root, today=TODAY).errors]


@pytest.fixture
def kb(tmp_path):
    write_doc(tmp_path, DOC)
    write_proc(tmp_path, PROC)
    return tmp_path


def test_a_valid_knowledge_base_has_no_findings(kb):
    report = check(kb, today=TODAY)
    assert (report.documents, report.procedures) == (1, 1)
    assert report.errors == [] and report.warnings == []


@pytest.mark.parametrize("field", ["id", "title", "topic", "summary", "sources", "checked", "questions"])
def test_document_missing_field(kb, field):
    meta = {k: v for k, v in DOC.items() if k != field}
    meta["id"] = "tai-lieu-thieu" if field != "id" else None
    write_doc(kb, meta, folder="access")
    assert any(f"missing required field '{field}'" in e for e in errors(kb))


@pytest.mark.parametrize("field", ["aliases", "authority", "processing_time", "fee", "sources", "checked", "online"])
def test_procedure_missing_field(kb, field):
    data = {k: v for k, v in PROC.items() if k != field}
    data.update(id="thu-tuc-thieu", aliases=["xyz"] if field != "aliases" else [])
    write_proc(kb, data)
    assert any(f"missing required field '{field}'" in e for e in errors(kb))


def test_wrong_types_and_values(kb):
    write_doc(kb, dict(DOC, id="sai-chu-de", topic="weather"), folder="access")
    write_proc(kb, dict(PROC, id="sai-muc", aliases=["abc"], online={"level": "online"}, uncertain="no"))
    found = errors(kb)
    assert any("topic 'weather' is not one of" in e for e in found)
    assert any("online.level 'online'" in e for e in found)
    assert any("field 'uncertain' must be bool" in e for e in found)


def test_topic_must_match_folder_and_id_the_file_name(kb):
    write_doc(kb, dict(DOC, id="khac-thu-muc", topic="security"), folder="access")
    write_proc(kb, dict(PROC, id="ten-khac", aliases=["q"]), name="ten-file")
    found = errors(kb)
    assert any("the file is in folder 'access'" in e for e in found)
    assert any("differs from the file name 'ten-file'" in e for e in found)


def test_bad_sources(kb):
    write_doc(kb, dict(DOC, id="nguon-sai", sources=[{"title": "x", "url": "dichvucong.gov.vn"}, {"url": "https://a.vn/"}]))
    found = errors(kb)
    assert any("url is not an http(s) address" in e for e in found)
    assert any("source #2 needs a title and a url" in e for e in found)


def test_checked_date_invalid_or_in_the_future(kb):
    write_doc(kb, dict(DOC, id="ngay-sai", checked="24/11/2026"))
    write_proc(kb, dict(PROC, id="ngay-tuong-lai", aliases=["t"], checked="2027-01-01"))
    found = errors(kb)
    assert any("is not a date" in e for e in found)
    assert any("is in the future" in e for e in found)


def test_duplicate_ids_across_documents_and_procedures(kb):
    write_doc(kb, dict(DOC, id="cap-ho-chieu"))
    assert any("duplicate id 'cap-ho-chieu'" in e for e in errors(kb))


def test_alias_shared_by_two_procedures_even_without_accents(kb):
    write_proc(kb, dict(PROC, id="lam-ho-chieu-nhanh", name="Hộ chiếu nhanh", aliases=["ho chieu"]))
    assert any("is also an alias of 'cap-ho-chieu'" in e for e in errors(kb))


def test_uncertain_without_a_note(kb):
    write_doc(kb, dict(DOC, id="chua-chac", uncertain=True, uncertain_note=""))
    assert any("uncertain_note is empty" in e for e in errors(kb))


@pytest.mark.parametrize(
    "not_for, message",
    [
        ([{"words": [], "say": "Việc khác."}], "not_for[0].words must be a non-empty list"),
        ([{"words": ["quán ăn"], "say": " "}], "not_for[0].say is empty"),
        ("quán ăn", "not_for must be a list"),
        ([{"words": ["quán ăn"], "say": "Hỏi UBND cấp huyện nơi cư trú."}], "abolished authority"),
    ],
)
def test_a_not_for_list_needs_words_and_what_to_say(kb, not_for, message):
    write_proc(kb, dict(PROC, id="khong-danh-cho", aliases=["khong danh cho"], not_for=not_for))
    assert any(message in e for e in errors(kb)), errors(kb)


@pytest.mark.parametrize(
    "authority",
    ["UBND cấp huyện nơi cư trú", "Phòng Tư pháp huyện", "Ủy ban nhân dân quận", "UBND huyen noi thuong tru"],
)
def test_abolished_authority_in_a_procedure(kb, authority):
    write_proc(kb, dict(PROC, id="co-quan-cu", aliases=["cu"], authority=authority))
    assert any("abolished authority" in e for e in errors(kb))


def test_driving_licence_at_so_gtvt_is_an_error(kb):
    write_proc(kb, dict(PROC, id="doi-gplx", name="Đổi giấy phép lái xe", aliases=["gplx"], authority="Sở GTVT"))
    assert any("Sở GTVT (giấy phép lái xe)" in e for e in errors(kb))


def test_abolished_authority_as_current_in_a_document_body(kb):
    write_doc(kb, dict(DOC, id="nop-o-huyen"), body="Bạn nộp hồ sơ tại UBND cấp huyện.\n\nXong.")
    assert any("body: names an abolished authority" in e for e in errors(kb))


def test_saying_the_district_level_is_gone_is_fine(kb):
    body = "Từ 1/7/2025 không còn UBND cấp huyện. Hướng dẫn nào ghi UBND huyện là thông tin cũ.\n\nNộp ở xã."
    write_doc(kb, dict(DOC, id="hai-cap", questions=["còn UBND huyện không?", "ubnd huyen", "bo huyen"]), body=body)
    assert errors(kb) == []


def test_unreadable_files(kb):
    bad = kb / "docs" / "access" / "hong.md"
    bad.write_text("no front matter here", encoding="utf-8")
    (kb / "procedures" / "hong.yml").write_text("id: [unclosed", encoding="utf-8")
    found = errors(kb)
    assert any("no front matter" in e for e in found)
    assert sum("cannot read" in e for e in found) == 2


def test_warnings_for_stale_facts_ended_discounts_and_long_answers(kb):
    write_doc(kb, dict(DOC, id="cu-qua", checked="2025-06-01"), body=("chữ " * 120) + "\n\nhết")
    write_proc(kb, dict(PROC, id="giam-phi", name="Giảm phí", aliases=["g"], fee_notes=[{"text": "giảm 50%", "until": "2025-12-31"}]))
    report = check(kb, today=TODAY)
    assert report.errors == []
    warnings = [w.message for w in report.warnings]
    assert any("more than 12 months ago" in w for w in warnings)
    assert any("ended on 2025-12-31" in w for w in warnings)
    assert any("first paragraph has" in w for w in warnings)


def test_the_real_knowledge_base_passes_with_the_required_coverage():
    result = subprocess.run([DVC_BOT, "knowledge", "check", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    assert result.returncode == 0, report["errors"][:5]
    assert report["documents"] >= 40 and report["procedures"] >= 25
    assert report["errors"] == []


def test_the_command_exits_non_zero_on_errors(kb, monkeypatch):
    from dvcbot import cli
    import knowledge.lint as lint

    write_doc(kb, dict(DOC, id="loi", sources=[]))
    monkeypatch.setattr(lint, "KNOWLEDGE_DIR", kb)
    monkeypatch.setattr(lint.check, "__defaults__", (kb, TODAY))
    assert cli.main(["knowledge", "check"]) == 1


def test_a_legal_basis_split_by_a_comma_inside_brackets_is_an_error(tmp_path):
    import shutil

    from knowledge import lint

    root = tmp_path / "knowledge"
    shutil.copytree(lint.KNOWLEDGE_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = root / "procedures" / "dang-ky-khai-sinh.yml"
    text = path.read_text(encoding="utf-8").replace('["Luật Hộ tịch 2014 (Điều 15, 16)"', "[Luật Hộ tịch 2014 (Điều 15, 16)")
    path.write_text(text, encoding="utf-8")
    report = lint.check(root)
    assert any("unbalanced brackets" in issue.message for issue in report.errors), [i.message for i in report.errors]


def test_a_citation_of_a_sites_home_page_is_listed_but_not_a_warning(tmp_path):
    write_doc(tmp_path, {**DOC, "sources": [{"title": "Báo X – bài 123", "url": "https://baox.vn/"},
                                            {"title": "Báo X – bài 124", "url": "https://baox.vn/bai-124.html"},
                                            {"title": "Cổng DVC", "url": "https://www.dichvucong.gov.vn/"}]})
    write_proc(tmp_path, PROC)
    report = check(tmp_path, today=TODAY)
    assert not report.errors and not report.warnings
    assert [f.message for f in report.home_pages] == ["Báo X – bài 123 (https://baox.vn/)"]
    assert report.as_json()["home_pages"][0]["file"].endswith(".md")
    from knowledge.lint import format_text

    assert "1 citations give a site's home page" in list(format_text(report))[-1]


def _registry_file(root: Path, record: str, **more) -> None:
    import yaml

    entry = {"code": "1.000001", "name": "Gia hạn hộ chiếu", "level": "tỉnh",
             "authority": "Phòng Quản lý xuất nhập cảnh Công an tỉnh", "online": "toàn trình",
             "aliases": ["passport", "gia hạn hộ chiếu"], "summary": "Gia hạn hộ chiếu còn hạn.", "record": record,
             "source": {"title": "Cổng DVC – thủ tục 1.000001", "url": "https://dichvucong.gov.vn/thu-tuc/1"},
             "checked": "2026-11-01", **more}
    (root / "registry").mkdir(parents=True, exist_ok=True)
    (root / "registry" / "xuat-nhap-canh.yml").write_text(
        yaml.safe_dump({"field": "Xuất nhập cảnh", "procedures": [entry]}, allow_unicode=True), encoding="utf-8")


def test_a_registry_only_entry_named_by_a_records_alias_is_listed_until_linked(tmp_path):
    from knowledge.lint import format_text

    write_proc(tmp_path, PROC)
    _registry_file(tmp_path, "")
    report = check(tmp_path, today=TODAY)
    assert not report.errors and not report.warnings, (report.errors, report.warnings)
    assert [f.message for f in report.overlaps] == ["#1 1.000001: 'passport' also names the record 'cap-ho-chieu'"]
    assert report.as_json()["overlaps"][0]["file"] == "registry/xuat-nhap-canh.yml"
    assert any(line.startswith("overlap registry/xuat-nhap-canh.yml") for line in format_text(report))
    _registry_file(tmp_path, "cap-ho-chieu")  # the record covers it: linked, no longer listed
    assert check(tmp_path, today=TODAY).overlaps == []
    _registry_file(tmp_path, "", covered_by="cap-ho-chieu")  # or marked as covered by it, answers kept apart
    report = check(tmp_path, today=TODAY)
    assert report.overlaps == [] and not report.errors, report.errors


def test_covered_by_must_name_a_record_we_hold_on_an_entry_without_one(tmp_path):
    from knowledge.registry import load_registry

    write_proc(tmp_path, PROC)
    _registry_file(tmp_path, "", covered_by="khong-co-ho-so-nay")
    assert any("covered_by 'khong-co-ho-so-nay'" in e for e in errors(tmp_path)), errors(tmp_path)
    _registry_file(tmp_path, "cap-ho-chieu", covered_by="cap-ho-chieu")  # linked already: covered_by says nothing more
    assert any("covered_by 'cap-ho-chieu'" in e for e in errors(tmp_path)), errors(tmp_path)
    _registry_file(tmp_path, "", covered_by="cap-ho-chieu")
    assert load_registry.__wrapped__(tmp_path / "registry")[0].covered_by == "cap-ho-chieu"


def test_a_labelled_question_must_name_a_record_or_code_we_hold(kb):
    bank = kb / "questions" / "labelled.jsonl"
    bank.parent.mkdir()
    lines = [{"q": "đăng ký ở đâu", "records": [PROC["id"]]}, {"q": "hỏi linh tinh", "none": True},
             {"q": "thủ tục lạ", "records": ["khong-co-ho-so-nay"]}, {"q": "mã lạ", "code": "9.999999"},
             {"q": "", "none": True}]
    bank.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n{not json\n", encoding="utf-8")
    found = errors(kb)
    assert found[:3] == ["line 3: no record 'khong-co-ho-so-nay'", "line 4: code 9.999999 is not in the registry",
                         "line 5: no question (q)"], found
    assert len(found) == 4 and found[3].startswith("line 6: ")
