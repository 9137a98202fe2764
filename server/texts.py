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


# -- campaigns: consent (server/consent.py). The wording is stored with each consent record. ----
SUBSCRIBE_BUTTON = "Đăng ký nhận tin"
VIA = {"zalo": "qua Zalo", "facebook": "qua Messenger", "web": "trên trang web này"}


def _terms(sender: str, channel: str, topics: str, cap: int, hours: str) -> str:
    return (f"{sender} gửi tin {VIA.get(channel, '')} về: {topics}. Tối đa {cap} tin mỗi ngày, chỉ từ {hours}. "
            f"Để gửi tin, mình chỉ lưu mã tài khoản của bạn trên kênh này và thời điểm bạn đồng ý, không dùng vào việc khác; "
            f"bạn có thể xin xem hoặc xóa dữ liệu này")


def consent_offer(sender: str, channel: str, topics: str, cap: int, hours: str) -> str:
    """Offered once per conversation after a relevant answer, with the button."""
    return (f"🔔 Bạn có muốn nhận thông báo không? {_terms(sender, channel, topics, cap, hours)}, và hủy bất cứ lúc nào "
            f"bằng cách nhắn HỦY NHẬN TIN. Nếu đồng ý, chọn «{SUBSCRIBE_BUTTON}» (hoặc nhắn ĐĂNG KÝ NHẬN TIN).")


def consent_given(sender: str, channel: str, topics: str, cap: int, hours: str) -> str:
    return (f"✅ Bạn đã đăng ký nhận tin. {_terms(sender, channel, topics, cap, hours)}. "
            "Muốn dừng, nhắn HỦY NHẬN TIN bất cứ lúc nào.")


def consent_already(topics: str) -> str:
    return f"Bạn đã đăng ký nhận tin về: {topics}. Muốn dừng, nhắn HỦY NHẬN TIN."


def consent_withdrawn(topics: str) -> str:
    return (f"Đã hủy: bạn sẽ không nhận tin thông báo nào nữa (trước đây: {topics}). "
            "Muốn nhận lại, nhắn ĐĂNG KÝ NHẬN TIN.")


CONSENT_NONE = "Bạn chưa đăng ký nhận tin nên sẽ không nhận tin thông báo nào. Muốn nhận, nhắn ĐĂNG KÝ NHẬN TIN."
CONSENT_FAILED = ("Xin lỗi, hệ thống chưa ghi nhận được yêu cầu của bạn (đăng ký hoặc hủy nhận tin). "
                  "Bạn vui lòng nhắn lại sau ít phút.")
