"""Each channel's renderer keeps within the platform's limits and splits text cleanly."""
from server.render import messenger, webchat, zalo
from server.render.text import shorten, split_text, units
from server.replies import Button, Reply, SourceRef

SENTENCE = "Công dân nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia. "


def test_split_prefers_paragraphs_then_sentences_and_never_cuts_words():
    paragraph = (SENTENCE * 8).strip()  # ~500 characters
    text = "\n\n".join([paragraph] * 4)  # just over 2000
    chunks = split_text(text, 2000)
    assert chunks == ["\n\n".join([paragraph] * 3), paragraph]  # cut at the last paragraph break

    long_paragraph = (SENTENCE * 60).strip()
    chunks = split_text(long_paragraph, 2000)
    assert all(units(c) <= 2000 and c.endswith(".") for c in chunks)
    assert " ".join(chunks).split() == long_paragraph.split()

    words = "thủ tục " * 400
    chunks = split_text(words, 2000)
    assert all(units(c) <= 2000 for c in chunks)
    assert " ".join(chunks).split() == words.split()


def test_split_counts_utf16_units_like_the_platforms():
    text = "😀" * 1500  # 3000 UTF-16 units, one overlong "word"
    chunks = split_text(text, 2000)
    assert [units(c) for c in chunks] == [2000, 1000]


def test_shorten_labels():
    assert shorten("Căn cước", 20) == "Căn cước"
    label = shorten("Hộ chiếu phổ thông cho người lớn", 20)
    assert units(label) <= 20 and label.endswith("…") and label.startswith("Hộ chiếu")


def test_messenger_limits():
    buttons = [Button(title=f"Thủ tục hành chính số {i}", payload=f"/choose{{\"n\": {i}}}") for i in range(20)]
    long_text = (SENTENCE * 70).strip()
    messages = messenger.render([Reply(text=long_text, buttons=buttons)])
    assert len(messages) == 3 and all(units(m["text"]) <= 2000 for m in messages)
    assert "quick_replies" not in messages[0] and "quick_replies" not in messages[1]
    quick = messages[-1]["quick_replies"]
    assert len(quick) == 13
    assert all(q["content_type"] == "text" and units(q["title"]) <= 20 for q in quick)
    assert quick[0]["payload"] == '/choose{"n": 0}'


def test_messenger_buttons_without_text_and_images():
    messages = messenger.render([Reply(buttons=[Button(title="Có", payload="/affirm")]),
                                 Reply(image="https://example.org/a.png")])
    assert messages[0] == {"attachment": {"type": "image", "payload": {"url": "https://example.org/a.png", "is_reusable": True}}}
    assert messages[1]["text"] and messages[1]["quick_replies"][0]["payload"] == "/affirm"


def test_zalo_joins_a_turn_into_few_messages_and_numbers_buttons():
    replies = [Reply(text="Câu trả lời."), Reply(text="Bạn muốn hỏi gì?", buttons=[
        Button(title="Căn cước", payload="/a"), Button(title="Hộ chiếu", payload="/b")])]
    messages, offered = zalo.render(replies)
    assert len(messages) == 1
    assert messages[0]["text"].startswith("Câu trả lời.\n\nBạn muốn hỏi gì?\n1. Căn cước\n2. Hộ chiếu")
    assert [b.payload for b in offered] == ["/a", "/b"]
    long_messages, _ = zalo.render([Reply(text=(SENTENCE * 70).strip())])
    assert len(long_messages) == 3 and all(units(m["text"]) <= zalo.TEXT_LIMIT for m in long_messages)


def test_zalo_choice_memory_maps_numbers_and_titles_to_payloads():
    now = [0.0]
    memory = zalo.ChoiceMemory(ttl_s=60, clock=lambda: now[0])
    memory.offer("u", [Button(title="Căn cước", payload="/a"), Button(title="Hộ chiếu", payload="/b")])
    assert memory.resolve("u", "2") == "/b"
    assert memory.resolve("u", " 1. ") == "/a"
    assert memory.resolve("u", "ho chieu") == "/b"
    assert memory.resolve("u", "3") is None
    assert memory.resolve("u", "làm căn cước mất bao lâu") is None
    assert memory.resolve("other", "1") is None
    now[0] = 61
    assert memory.resolve("u", "1") is None


def test_sources_are_cited_once_in_every_channel():
    source = SourceRef(title="Cổng DVC", url="https://dichvucong.gov.vn/", checked="2025-07-01")
    uncited = Reply(text="Lệ phí: 0 đồng.", sources=[source])
    cited = Reply(text="Lệ phí: 0 đồng.\nNguồn: Cổng DVC (https://dichvucong.gov.vn/), kiểm tra ngày 01/07/2025.", sources=[source])
    expected = "Lệ phí: 0 đồng.\nNguồn: Cổng DVC (https://dichvucong.gov.vn/), kiểm tra ngày 01/07/2025."
    for reply in (uncited, cited):
        assert messenger.render([reply]) == [{"text": expected}]
        assert zalo.render([reply])[0] == [{"text": expected}]
        assert webchat.render([reply]) == [{"text": expected.replace("\n", "  \n")}]


def test_webchat_keeps_single_line_breaks_as_markdown_breaks():
    [message] = webchat.render([Reply(text="⏱ 7 ngày.\nNơi làm: Công an xã.\n\nNguồn: x")])
    assert message == {"text": "⏱ 7 ngày.  \nNơi làm: Công an xã.\n\nNguồn: x"}


def test_webchat_shapes_match_rasa_socketio_channel():
    messages = webchat.render([
        Reply(text="Chào"),
        Reply(text="Chọn:", buttons=[Button(title="Căn cước", payload="/a")]),
        Reply(image="https://example.org/a.png"),
        Reply(custom={"card": 1}),
        Reply(text="Có nguồn", custom={"procedure": "x"}),
    ])
    assert messages == [
        {"text": "Chào"},
        {"text": "Chọn:", "quick_replies": [{"content_type": "text", "title": "Căn cước", "payload": "/a"}]},
        {"attachment": {"type": "image", "payload": {"src": "https://example.org/a.png"}}},
        {"card": 1},
        {"text": "Có nguồn"},
    ]
