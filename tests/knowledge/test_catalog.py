import pytest

from knowledge.catalog import ProcedureMatcher, load_procedures


@pytest.fixture(scope="module")
def matcher():
    return ProcedureMatcher(load_procedures())


@pytest.mark.parametrize(
    "text, procedure",
    [
        ("Làm thẻ căn cước mất bao lâu?", "cap-the-can-cuoc"),
        ("cccd bao lau", "cap-the-can-cuoc"),
        ("lam passport het bao nhieu tien", "cap-ho-chieu"),
        ("khai sinh cho con", "dang-ky-khai-sinh"),
    ],
)
def test_matches_everyday_and_accentless_words(matcher, text, procedure):
    assert matcher.find(text).id == procedure


@pytest.mark.parametrize("text", ["", None, "thời tiết hôm nay", "cccdx"])
def test_no_match(matcher, text):
    assert matcher.find(text) is None


def test_every_record_has_a_source_and_a_checked_date():
    procedures = load_procedures()
    assert {"cap-the-can-cuoc", "dang-ky-khai-sinh", "cap-ho-chieu"} <= set(procedures)
    for proc in procedures.values():
        assert proc.sources, proc.id
        assert proc.checked, proc.id


def test_generated_nlu_synonyms_are_in_sync_with_the_catalog():
    from knowledge.nlu_export import OUTPUT, render

    assert OUTPUT.read_text(encoding="utf-8") == render(load_procedures()), "run `dvc-bot knowledge export-nlu`"


def test_a_procedure_is_found_by_its_id():
    from knowledge.catalog import default_matcher

    assert default_matcher().find("cap-ho-chieu").id == "cap-ho-chieu"
