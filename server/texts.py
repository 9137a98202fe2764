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
