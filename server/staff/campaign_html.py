"""The console's campaign pages (routes: campaigns.py): the list and the form, the preview before
sending, a campaign's delivery report per channel. Same rules as html.py: every value escaped,
no script, every form with the session's CSRF token."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from server.staff.html import CHANNEL, button_form, csrf_field, e, flash, layout, table, when

STATUS = {"scheduled": "chờ đến giờ gửi", "sending": "đang gửi", "done": "đã gửi xong", "cancelled": "đã hủy"}
CODES = {"zalo_48h": "Zalo: quá 48 giờ", "zalo_8_replies": "Zalo: hết 8 tin trong 48 giờ", "no_message": "chưa từng nhắn",
         "messenger_24h": "Messenger: quá 24 giờ", "daily_cap": "đủ số tin trong ngày", "channel_off": "kênh chưa bật",
         "withdrawn": "đã hủy nhận tin", "send_failed": "nền tảng từ chối"}
RULES = ("Zalo: tin tư vấn trong 48 giờ kể từ tin nhắn cuối của công dân; sau đó chỉ bằng tin truyền thông nếu OA có gói "
         "(ZALO_PROMOTION). Messenger: chỉ trong 24 giờ. Trang web: hiện khi công dân mở lại khung chat. Mỗi công dân nhận "
         "tối đa {cap} tin một ngày; tin chỉ gửi từ {hours}; cuối mỗi tin có dòng «nhắn HỦY NHẬN TIN».")


def _form(topics: Dict[str, str], caller: Any, values: Dict[str, str]) -> str:
    options = "".join(f'<option value="{e(k)}"{" selected" if values.get("topic") == k else ""}>{e(v)}</option>'
                      for k, v in topics.items())
    return ('<h2>Chiến dịch mới</h2><form method="post" action="/staff/campaigns/preview">' + csrf_field(caller.csrf)
            + f'<p><label>Chủ đề<br><select name="topic">{options}</select></label></p>'
            f'<p><label>Nội dung<br><textarea name="text" maxlength="2000" required>{e(values.get("text"))}</textarea></label></p>'
            f'<p><label>Gửi lúc (giờ Việt Nam; để trống: gửi ngay)<br><input type="datetime-local" name="at" value="{e(values.get("at"))}">'
            '</label></p><button type="submit">Xem trước</button></form>')


def campaigns(rows: List[Dict[str, Any]], topics: Dict[str, str], caller: Any, rules: str, ok: Optional[str] = None,
              error: Optional[str] = None, values: Optional[Dict[str, str]] = None) -> str:
    lines = [f"<tr><td><a href=\"/staff/campaigns/{r['id']}\">#{r['id']}</a></td><td>{e(topics.get(r['topic'], r['topic']))}</td>"
             f"<td>{e(when(r['due_at']))}</td><td>{e(STATUS.get(r['status'], r['status']))}</td><td>{e(r['created_by'])}</td>"
             f"<td>{e(r['text'][:120])}</td></tr>" for r in rows]
    body = flash(ok, error) + f'<p class="meta">{e(rules)}</p>'
    body += table(["#", "Chủ đề", "Gửi lúc", "Trạng thái", "Người tạo", "Nội dung"], lines) if lines else "<p>Chưa có chiến dịch nào.</p>"
    if caller.admin:
        body += _form(topics, caller, values or {})
    else:
        body += "<p class=\"meta\">Chỉ quản trị (admin) tạo được chiến dịch.</p>"
    return layout("Chiến dịch thông báo", body, caller)


def _channels(lines: Dict[str, Dict[str, Any]], preview: bool) -> str:
    rows = []
    for channel, line in lines.items():
        why = "; ".join(f"{item['count']} {CODES.get(code, code)} ({item['reason']})"
                        for kind in ("blocked_by", "failed_by") for code, item in line.get(kind, {}).items())
        if preview:
            cells = [line["recipients"], line["would_send"], line["blocked"]]
        else:
            sent = f"{line['sent']}" + (f" (đã hiện {line['shown']})" if "shown" in line else "")
            cells = [line["recipients"], sent, line["pending"], line["blocked"], line["failed"]]
        rows.append(f"<tr><td>{e(CHANNEL.get(channel, channel))}</td>" + "".join(f"<td>{e(c)}</td>" for c in cells)
                    + f"<td>{e(why)}</td></tr>")
    heads = (["Kênh", "Người nhận", "Được gửi", "Bị chặn", "Lý do"] if preview
             else ["Kênh", "Người nhận", "Đã gửi", "Đang gửi", "Bị chặn", "Lỗi", "Lý do"])
    return table(heads, rows) if rows else "<p>Chưa có ai đăng ký nhận tin chủ đề này.</p>"


def preview(draft: Any, label: str, counts: Dict[str, Any], starts: float, caller: Any, values: Dict[str, str]) -> str:
    hidden = "".join(f'<input type="hidden" name="{k}" value="{e(v)}">' for k, v in values.items())
    body = (f"<p>Chủ đề: <strong>{e(label)}</strong> · gửi từ {e(when(starts))}</p>"
            f'<div class="msg bot"><div class="meta">Công dân sẽ đọc</div>{e(draft.message)}</div>'
            f"<h2>Người nhận nếu gửi bây giờ: {counts['recipients']}</h2>" + _channels(counts["channels"], preview=True)
            + '<form method="post" action="/staff/campaigns">' + csrf_field(caller.csrf) + hidden
            + f'<button type="submit">Gửi cho {counts["would_send"]} người (và người được phép lúc gửi)</button></form>'
            '<p><a href="/staff/campaigns">Sửa lại</a></p>')
    return layout("Xem trước chiến dịch", body, caller)


def campaign(item: Dict[str, Any], report: Dict[str, Any], label: str, caller: Any, ok: Optional[str] = None,
             error: Optional[str] = None) -> str:
    body = flash(ok, error) + (f"<p>{e(label)} · {e(STATUS.get(item['status'], item['status']))} · gửi lúc {e(when(item['due_at']))}"
                               f" · tạo bởi {e(item['created_by'])} lúc {e(when(item['created_at']))}</p>"
                               f'<div class="msg bot"><div class="meta">Nội dung</div>{e(item["message"])}</div>')
    body += (f"<h2>Kết quả theo kênh</h2><p>{report['recipients']} người nhận · {report['sent']} đã gửi · {report['pending']} đang gửi"
             f" · {report['blocked']} bị chặn · {report['failed']} lỗi</p>" + _channels(report["channels"], preview=False))
    if item["status"] == "scheduled" and caller.admin:
        body += button_form(f"/staff/campaigns/{item['id']}/cancel", "Hủy chiến dịch", caller.csrf)
    return layout(f"Chiến dịch #{item['id']}", body, caller, refresh=30 if item["status"] in ("scheduled", "sending") else 0)
