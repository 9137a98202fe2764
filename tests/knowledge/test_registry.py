"""The procedure registry: the real files load and are clean, the matcher finds procedures in what
citizens type (with or without accents), and each registry lint rule catches a bad file."""
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from knowledge.catalog import load_procedures
from knowledge.lint import check
from knowledge.registry import REGISTRY_DIR, RegistryMatcher, default_registry_matcher, load_registry, load_registry_file

TODAY = dt.date(2026, 12, 2)

ENTRY = {
    "code": "1.004873",
    "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
    "level": "xã",
    "authority": "UBND cấp xã",
    "online": "",
    "aliases": ["xác nhận độc thân", "xac nhan doc than"],
    "summary": "Xác nhận một người đang độc thân hay đã kết hôn.",
    "record": "",
    "source": {"title": "Cổng Dịch vụ công quốc gia", "url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x"},
    "checked": "2026-12-01",
}
OTHER = dict(ENTRY, code="1.004837", name="Đăng ký giám hộ", aliases=["làm giám hộ", "lam giam ho"])


def write_registry(root: Path, entries, name="ho-tich", field="Hộ tịch") -> Path:
    path = root / "registry" / f"{name}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"field": field, "procedures": entries}, allow_unicode=True), encoding="utf-8")
    return path


def errors(root: Path) -> list:
    return [f.message for f in check(root, today=TODAY).errors]


# -- the real registry ---------------------------------------------------------------------
def test_real_registry_loads_with_every_field():
    entries = load_registry()
    assert len(entries) >= 150
    assert {e.file for e in entries} == {p.name for p in REGISTRY_DIR.glob("*.yml")}
    for entry in entries:
        assert entry.name and entry.field and entry.authority and entry.aliases and entry.summary
        assert entry.level in ("xã", "tỉnh", "trung ương")
        assert entry.source_url.startswith("https://") and isinstance(entry.checked, dt.date)
        assert not entry.code or re.match(r"^\d\.\d{6}$", entry.code)
    assert sum(1 for e in entries if e.code) >= 150


def test_real_registry_links_held_records_and_is_lint_clean():
    entries = load_registry()
    records = {e.record for e in entries if e.record}
    assert records <= set(load_procedures())
    assert {"dang-ky-khai-sinh", "dang-ky-thuong-tru", "chung-thuc-ban-sao", "dang-ky-ho-kinh-doanh"} <= records
    report = check()
    registry_errors = [f for f in report.errors if f.file.startswith("registry")]
    assert registry_errors == [] and report.registry == len(entries)


def test_civil_status_residence_and_certification_records_carry_the_code_of_an_entry_linking_them():
    """The code a record's answer shows is the code of a registry entry that links it."""
    entries = [e for e in load_registry() if e.file in ("ho-tich.yml", "cu-tru.yml", "chung-thuc.yml") and e.record]
    procedures = load_procedures()
    assert len({e.record for e in entries}) >= 25
    for record in {e.record for e in entries}:
        assert procedures[record].code in {e.code for e in entries if e.record == record}, record


def test_no_registry_authority_names_the_district_tier():
    for entry in load_registry():
        assert "huyện" not in entry.authority.lower(), entry


# -- matcher --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, code",
    [
        ("Cho em hỏi xin giấy xác nhận tình trạng hôn nhân ở đâu ạ", "1.004873"),
        ("xin giay xac nhan doc than lam o dau", "1.004873"),
        ("XÁC NHẬN ĐỘC THÂN", "1.004873"),
        ("mình muốn khai báo tạm vắng", "1.003677"),
        ("khai bao tam vang online duoc k", "1.003677"),
        ("đăng ký lại khai sinh vì mất bản chính", "1.004884"),
        ("dang ky lai khai sinh", "1.004884"),
        ("xin bản sao giấy khai sinh cho con", "2.000635"),
        ("tra cứu thủ tục 1.004837 là gì", "1.004837"),
        ("chung thuc van ban phan chia di san", "2.001406"),
        ("cong nhan ho ngheo can giay to gi", "1.011606"),
        ("làm căn cước cho con 10 tuổi", "1.014062"),
    ],
)
def test_matcher_finds_the_procedure_with_or_without_accents(text, code):
    entry = default_registry_matcher().find(text)
    assert entry is not None and entry.code == code, (text, entry)


def test_longest_name_wins_and_whole_words_only():
    matcher = RegistryMatcher([
        load_registry_file_entry(ENTRY),
        load_registry_file_entry(dict(ENTRY, code="1.000001", name="Tình trạng hôn nhân", aliases=["hon nhan"])),
    ])
    assert matcher.find("xác nhận độc thân giúp em").code == "1.004873"
    assert matcher.find("hỏi về hôn nhân").code == "1.000001"
    assert matcher.find("honnhan") is None and matcher.find("") is None and matcher.find(None) is None


def test_find_all_returns_each_procedure_named_once():
    found = default_registry_matcher().find_all("làm khai sinh xong thì đăng ký thường trú và tạm vắng thế nào")
    codes = [e.code for e in found]
    assert {"1.001193", "1.004222", "1.003677"} <= set(codes) and len(codes) == len(set(codes))
    # "khai sinh" inside "đăng ký lại khai sinh" is not a second match
    assert [e.code for e in default_registry_matcher().find_all("đăng ký lại khai sinh")] == ["1.004884"]


def load_registry_file_entry(data):
    from knowledge.registry import RegistryEntry

    return RegistryEntry.from_dict(data, "Hộ tịch")


def test_loader_reads_a_file(tmp_path):
    path = write_registry(tmp_path, [ENTRY, OTHER])
    entries = load_registry_file(path)
    assert [e.code for e in entries] == ["1.004873", "1.004837"]
    assert entries[0].field == "Hộ tịch" and entries[0].checked == dt.date(2026, 12, 1)
    assert entries[0].source_url.startswith("https://") and entries[0].file == "ho-tich.yml"
    assert len(load_registry(tmp_path / "registry")) == 2


# -- lint rules -------------------------------------------------------------------------------
@pytest.fixture
def kb(tmp_path):
    (tmp_path / "procedures").mkdir()
    (tmp_path / "procedures" / "dang-ky-khai-sinh.yml").write_text("id: dang-ky-khai-sinh\n", encoding="utf-8")
    return tmp_path


def test_a_valid_registry_has_no_findings(kb):
    write_registry(kb, [ENTRY, dict(OTHER, record="dang-ky-khai-sinh")])
    report = check(kb, today=TODAY)
    assert report.registry == 2
    assert [f for f in report.errors if f.file.startswith("registry")] == []


@pytest.mark.parametrize("field", ["name", "level", "authority", "aliases", "summary", "source", "checked", "code", "record", "online"])
def test_missing_required_field(kb, field):
    write_registry(kb, [{k: v for k, v in ENTRY.items() if k != field}])
    assert any(f"missing required field '{field}'" in e for e in errors(kb))


def test_empty_aliases_and_missing_field_name(kb):
    path = kb / "registry" / "x.yml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({"procedures": [dict(ENTRY, aliases=[])]}, allow_unicode=True), encoding="utf-8")
    found = errors(kb)
    assert any("field 'aliases' is empty" in e for e in found)
    assert any("missing required field 'field'" in e for e in found)


def test_situations_are_read_and_must_be_sentences(kb, tmp_path):
    entry = load_registry_file_entry(dict(ENTRY, situations=["vợ chồng tôi mới cưới muốn làm giấy", "ở xa quê"]))
    assert entry.situations == ["vợ chồng tôi mới cưới muốn làm giấy", "ở xa quê"]
    assert load_registry_file_entry(ENTRY).situations == []  # optional
    write_registry(kb, [dict(ENTRY, situations="một câu"), dict(OTHER, situations=["", "x"])])
    found = [e for e in errors(kb) if "situations must be a list of sentences" in e]
    assert len(found) == 2


def test_decomposed_text_is_refused(kb):
    """A name typed in decomposed form (NFD) looks the same but matches nothing composed."""
    import unicodedata

    path = write_registry(kb, [ENTRY])
    assert not [e for e in errors(kb) if "NFC" in e]
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    assert [e for e in errors(kb) if "not in NFC" in e]


@pytest.mark.parametrize("code", ["1004873", "1.04873", "1.004873.H19", "A.004873"])
def test_code_format(kb, code):
    write_registry(kb, [dict(ENTRY, code=code)])
    assert any("is not a national code" in e for e in errors(kb))


def test_duplicate_code_across_files(kb):
    write_registry(kb, [ENTRY])
    write_registry(kb, [dict(OTHER, code=ENTRY["code"])], name="khac", field="Khác")
    assert any("duplicate code 1.004873" in e for e in errors(kb))


def test_level_and_online_values(kb):
    write_registry(kb, [dict(ENTRY, level="huyện", online="online")])
    found = errors(kb)
    assert any("level 'huyện' is not one of" in e for e in found)
    assert any("online 'online' is not one of" in e for e in found)


@pytest.mark.parametrize("authority", ["UBND cấp huyện", "UBND huyện", "Phòng Tư pháp huyện", "Ủy ban nhân dân huyện"])
def test_authority_must_not_name_the_district_tier(kb, authority):
    write_registry(kb, [dict(ENTRY, authority=authority)])
    assert any("district tier" in e for e in errors(kb))


def test_authority_moved_to_the_police(kb):
    write_registry(kb, [dict(ENTRY, name="Đổi giấy phép lái xe", aliases=["đổi bằng lái"], authority="Sở GTVT")])
    assert any("abolished authority" in e for e in errors(kb))


def test_record_must_exist(kb):
    write_registry(kb, [dict(ENTRY, record="khong-co-ban-ghi")])
    assert any("record 'khong-co-ban-ghi' is not in knowledge/procedures/" in e for e in errors(kb))


@pytest.mark.parametrize("checked, message", [("02/12/2026", "is not a date"), ("2027-01-01", "is in the future")])
def test_checked_must_be_a_past_date(kb, checked, message):
    write_registry(kb, [dict(ENTRY, checked=checked)])
    assert any(message in e for e in errors(kb))


@pytest.mark.parametrize("source", [{"title": "x", "url": "http://dichvucong.gov.vn/"}, {"title": "x", "url": "dichvucong.gov.vn"}, {"url": "https://a.vn/"}])
def test_source_needs_title_and_https_url(kb, source):
    write_registry(kb, [dict(ENTRY, source=source)])
    assert any("source" in e for e in errors(kb))


def test_alias_shared_by_two_entries_is_ambiguous_even_without_accents(kb):
    write_registry(kb, [ENTRY, dict(OTHER, aliases=["Xác nhận độc thân!"])])
    assert any("ambiguous" in e for e in errors(kb))


def test_an_entry_may_repeat_its_own_alias(kb):
    write_registry(kb, [dict(ENTRY, aliases=["xác nhận độc thân", "xac nhan doc than", "XÁC NHẬN ĐỘC THÂN"])])
    assert not any("ambiguous" in e for e in errors(kb))
