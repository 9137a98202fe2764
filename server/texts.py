"""Canned Vietnamese replies of the gateway itself (not of the Rasa bot)."""
from __future__ import annotations

RATE_LIMITED = (
    "Bạn đang nhắn hơi nhanh nên tôi chưa kịp trả lời hết. Bạn vui lòng đợi khoảng một phút rồi "
    "gửi lại câu hỏi nhé."
)
TOO_LONG = "Tin nhắn dài quá (tối đa 2000 ký tự). Bạn vui lòng gửi câu hỏi ngắn gọn hơn nhé."
WELCOME = (
    "Cảm ơn bạn đã quan tâm! Tôi là trợ lý dịch vụ công trực tuyến. Bạn hãy gõ câu hỏi, ví dụ: "
    "“Làm thẻ căn cước mất bao lâu?”"
)
# once per conversation, after a message whose personal numbers the gateway masked (one line)
PRIVACY_NOTICE = (
    "🔒 Để bảo vệ thông tin của bạn, mình đã ẩn các số giấy tờ, số điện thoại, email hoặc số tài "
    "khoản trong tin nhắn; bạn không cần gửi những thông tin này khi trò chuyện với mình nhé."
)
_KINDS = {
    "sticker": "nhãn dán (sticker)",
    "gif": "ảnh GIF",
    "image": "hình ảnh",
    "file": "tệp đính kèm",
    "location": "vị trí",
    "audio": "tin nhắn thoại",
    "video": "video",
    "link": "đường link",
    "contact": "danh thiếp",
}


def cannot_read(kind: str) -> str:
    what = _KINDS.get(kind, "nội dung này")
    return (
        f"Tôi đã nhận được {what} của bạn, nhưng hiện tôi chỉ đọc được tin nhắn chữ. Bạn vui lòng "
        "gõ câu hỏi bằng chữ, ví dụ: “Làm thẻ căn cước mất bao lâu?”"
    )


# -- the staff desk (server/desk.py) ------------------------------------------------------
CALLBACK_HINT = "Nếu muốn cán bộ gọi điện lại, bạn gõ «gọi lại» kèm số điện thoại, ví dụ: gọi lại 09xx xxx xxx."
BACK_KEYWORD_HINT = "Muốn hỏi lại trợ lý ảo (trả lời tự động), bạn gõ «trợ lý ảo»."


def handoff_now() -> str:
    """After a handoff, in office hours: from now on a person reads the citizen's messages."""
    return ("👤 Cán bộ sẽ trả lời bạn ngay tại đây. Từ giờ, tin nhắn của bạn được chuyển tới cán bộ "
            f"(không phải trợ lý ảo). {CALLBACK_HINT} {BACK_KEYWORD_HINT}")


def handoff_later(when: str) -> str:
    """After a handoff (or a message) outside office hours: when a person will answer."""
    return (f"🕐 Bây giờ ngoài giờ làm việc. Cán bộ sẽ trả lời bạn tại đây từ {when}. Trong lúc chờ, bạn "
            f"vẫn có thể hỏi trợ lý ảo những câu khác. {CALLBACK_HINT}")


PERSON_WILL_ANSWER = "Tin nhắn của bạn đã được chuyển tới cán bộ. Một cán bộ sẽ trả lời bạn tại đây sớm nhất có thể."
CALLBACK_NOTED = "Mình đã ghi lại số liên lạc bạn gửi để cán bộ gọi lại cho bạn."
# Meta asks that people know when they talk to automation again
BACK_TO_BOT = "🤖 Bạn đang trò chuyện lại với trợ lý ảo (trả lời tự động). Cần gặp cán bộ, bạn gõ «gặp cán bộ»."


def closed_by_staff(handoff_id: int) -> str:
    return f"Cán bộ đã kết thúc yêu cầu YC-{handoff_id}. {BACK_TO_BOT}"


def merged(handoff_id: int) -> str:
    return f"Bạn đang có yêu cầu YC-{handoff_id} chờ cán bộ; mình đã gộp yêu cầu mới vào đó."
