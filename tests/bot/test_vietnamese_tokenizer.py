import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.vietnamese_tokenizer import VietnameseTokenizer, word_spans

SAMPLES = [
    "Làm thẻ căn cước mất bao lâu?",
    "Tôi muốn đổi giấy phép lái xe. Cần giấy tờ gì?",
    "lam the can cuoc mat bao lau",
    "cccd ko dk dc j, ntn ạ???",
    "Hoà  bình   có  hai   dấu cách",
    "Gọi 1900 0368 hoặc xem dichvucong.gov.vn!",
    "Đăng ký khai sinh cho con.\nRồi đăng ký thường trú.",
    "😀 chào ad",
]


def tokenizer() -> VietnameseTokenizer:
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config())


@pytest.mark.parametrize("text", SAMPLES)
def test_token_offsets_match_the_text(text):
    tokens = tokenizer().tokenize(Message(data={"text": text}), "text")
    assert tokens, text
    previous_end = 0
    for token in tokens:
        assert text[token.start : token.end] == token.text
        assert token.start >= previous_end  # in order, no overlap
        previous_end = token.end


def test_multi_syllable_words_stay_one_token_with_spaces():
    text = "Tôi muốn đổi giấy phép lái xe"
    words = [token.text for token in tokenizer().tokenize(Message(data={"text": text}), "text")]
    assert "giấy phép" in words and "lái xe" in words
    assert "Tôi" in words


def test_sentences_are_split_before_segmentation():
    text = "Cảm ơn bạn. Làm căn cước bao lâu?"
    words = [text[s:e] for s, e in word_spans(text)]
    assert "bạn" in words and "căn cước" in words
    assert not any("." in word for word in words)  # no token glued across ". "


def test_tone_marks_are_not_rewritten():
    """Old-style tone placement (hoà, thuỷ) stays as the citizen wrote it in the tokens (the
    channel edge normalises, knowledge.normalize; not the tokenizer); only the lemma, retrieval's
    accent-free form, drops the marks."""
    text = "Hoà Bình thuỷ điện"
    tokens = tokenizer().tokenize(Message(data={"text": text}), "text")
    assert [t.text for t in tokens] == ["Hoà Bình", "thuỷ điện"]  # not "Hòa Bình", "thủy điện"
    assert [t.lemma for t in tokens] == ["hoa binh", "thuy dien"]


@pytest.mark.parametrize("text", ["", "   ", "???", "..."])
def test_empty_or_punctuation_only_gives_no_tokens(text):
    assert word_spans(text) == []


@pytest.mark.parametrize("text, words", [("👍", ["👍"]), ("👎👎", ["👎", "👎"]), ("👍 ok đấy", ["👍", "ok", "đấy"]), ("❤️", ["❤"])])
def test_emoji_are_words(text, words):
    """A rating sent as a lone emoji must not become an empty message."""
    assert [text[s:e] for s, e in word_spans(text)] == words


def test_component_is_registered_as_a_rasa_tokenizer():
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    registered = DefaultV1Recipe._from_registry("VietnameseTokenizer")
    assert registered.clazz is VietnameseTokenizer
    assert DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER in registered.types


def test_process_sets_tokens_on_a_message():
    message = Message(data={"text": "làm hộ chiếu bao lâu"})
    tokenizer().process([message])
    tokens = message.get("text_tokens")
    assert [t.text for t in tokens][0] == "làm"


def test_accentless_words_are_kept_as_syllables():
    text = "lam lai cccd mat may ngay"
    assert [text[s:e] for s, e in word_spans(text)] == text.split()


def test_every_training_entity_is_aligned_with_token_boundaries():
    """A misaligned entity is silently dropped from training by Rasa: none may exist."""
    from rasa.shared.importers.importer import TrainingDataImporter

    from tests.conftest import ROOT

    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "bot" / "domain.yml"), training_data_paths=[str(ROOT / "data" / "nlu")]
    )
    data = importer.get_nlu_data()
    tok = tokenizer()
    checked = 0
    for message in data.training_examples:
        entities = message.get("entities") or []
        if not entities:
            continue
        tokens = tok.tokenize(message, "text")
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for entity in entities:
            checked += 1
            assert entity["start"] in starts and entity["end"] in ends, (message.get("text"), entity, [t.text for t in tokens])
    assert checked > 20
