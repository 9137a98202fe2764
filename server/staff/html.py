"""The console's HTML: plain server-rendered pages, every value escaped, no script, nothing from
elsewhere (the Content-Security-Policy in pages.py forbids it). Every form that changes something
carries the session's CSRF token."""
from __future__ import annotations

import datetime as dt
import html
from typing import Any, Dict, Iterable, List, Optional

from common.office_hours import TZ

LONG_WAIT_S = 3 * 3600  # FPT.AI's "long wait" tab: waiting more than 3 hours
FROM = {"citizen": "Công dân", "bot": "Trợ lý ảo", "staff": "Cán bộ"}
STATUS = {"open": "đang mở", "released": "đã trả lại cho trợ lý ảo", "closed": "đã đóng", "merged": "gộp vào yêu cầu khác"}
OWNER = {"waiting": "chờ cán bộ", "staff": "cán bộ đang trả lời"}
DELIVERY = {"outbox": "đã chuyển tới kênh", "delivered": "đã hiện trên trang web", "waiting": "chờ công dân mở lại trang web",
            "refused": "KHÔNG GỬI ĐƯỢC"}
CHANNEL = {"zalo": "Zalo", "facebook": "Messenger", "web": "Web", "socketio": "Web"}
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#1d2733;background:#f4f6f8}"
    "header{background:#b3261e;color:#fff;padding:.6em 1em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}"
    "header a{color:#fff}header form{margin-left:auto}main{max-width:1000px;margin:1em auto;padding:0 1em}"
    "table{border-collapse:collapse;width:100%;background:#fff}td,th{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}"
    "th{background:#eef1f4}.long{background:#fdecea}.msg{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em .8em;margin:.5em 0;white-space:pre-wrap}"
    ".citizen{border-left:4px solid #1565c0}.staff{border-left:4px solid #2e7d32}.bot{border-left:4px solid #9e9e9e}"
    ".meta{color:#555;font-size:.85em;white-space:normal}.refused{color:#b3261e;font-weight:bold}"
    ".note{background:#e8f5e9;padding:.5em .8em}.error{background:#fdecea;padding:.5em .8em;color:#8a1c13}"
    ".contact{background:#fff8e1;padding:.5em .8em;border:1px solid #f0c36d}textarea{width:100%;min-height:7em;font:inherit}"
    "button{font:inherit;padding:.3em .9em;margin:.3em .3em 0 0}.actions{display:flex;gap:.5em;flex-wrap:wrap}"
)


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def when(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, TZ).strftime("%H:%M %d/%m/%Y")
    try:
        return dt.datetime.fromisoformat(str(value)).astimezone(TZ).strftime("%H:%M %d/%m/%Y")
    except ValueError:
        return str(value)


def waited(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} phút"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} giờ {minutes} phút" if hours < 48 else f"{hours // 24} ngày {hours % 24} giờ"


def csrf_field(csrf: Optional[str]) -> str:
    return f'<input type="hidden" name="csrf" value="{e(csrf)}">' if csrf else ""


def button_form(action: str, label: str, csrf: Optional[str], name: str = "") -> str:
    return f'<form method="post" action="{e(action)}">{csrf_field(csrf)}<button type="submit" name="{e(name)}">{e(label)}</button></form>'


def layout(title: str, body: str, caller: Any = None, refresh: int = 0) -> str:
    nav = ""
    if caller is not None:
        links = [("/staff/queue", "Hàng chờ"), ("/staff/feedback", "Góp ý 👎"), ("/staff/campaigns", "Chiến dịch"),
                 ("/staff/report", "Báo cáo")]
        if caller.admin:
            links += [("/staff/audit", "Nhật ký"), ("/staff/accounts", "Tài khoản")]
        logout = button_form("/staff/logout", "Đăng xuất", caller.csrf) if caller.csrf else ""
        nav = ("<header><strong>Trợ lý DVCTT — cán bộ</strong>" + "".join(f'<a href="{u}">{t}</a>' for u, t in links)
               + f"<span>{e(caller.name)}</span>{logout}</header>")
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return ('<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,">{meta}<title>{e(title)}</title><style>{STYLE}</style></head>'
            f"<body>{nav}<main><h1>{e(title)}</h1>{body}</main></body></html>")


def table(headers: Iterable[str], rows: List[str]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def flash(ok: Optional[str] = None, error: Optional[str] = None) -> str:
    return (f'<p class="note" role="status">{e(ok)}</p>' if ok else "") + (f'<p class="error" role="alert">{e(error)}</p>' if error else "")


# -- pages ---------------------------------------------------------------------------------
def login(csrf: str, username: str = "", error: Optional[str] = None) -> str:
    body = (flash(error=error) + '<form method="post" action="/staff/login">' + csrf_field(csrf)
            + f'<p><label>Tên đăng nhập<br><input name="username" autocomplete="username" value="{e(username)}" required></label></p>'
            '<p><label>Mật khẩu<br><input name="password" type="password" autocomplete="current-password" required></label></p>'
            '<button type="submit">Đăng nhập</button></form>'
            "<p class=\"meta\">Quản trị: tên đăng nhập <code>admin</code>, mật khẩu là STAFF_TOKEN.</p>")
    return layout("Đăng nhập", body)


def queue(requests: List[Dict[str, Any]], feedback_waiting: int, caller: Any, ok: Optional[str] = None) -> str:
    rows = []
    for r in requests:
        long = ' class="long"' if r["waiting_s"] > LONG_WAIT_S else ""
        last = next((m["text"] for m in reversed(r["messages"]) if m["from"] == "citizen" and not m["text"].startswith("/")),
                    r["reason"])
        rows.append(f"<tr{long}><td><a href=\"/staff/handoffs/{r['id']}\">{e(r['ref'])}</a></td>"
                    f"<td>{e(waited(r['waiting_s'])) if r['waiting_s'] else '—'}</td><td>{e(OWNER.get(r['owner'], r['owner']))}</td>"
                    f"<td>{e(CHANNEL.get(r['channel'], r['channel']))}</td><td>{e(last[:160])}</td></tr>")
    body = flash(ok) + (f"<p>{len(requests)} yêu cầu đang mở, chờ lâu nhất ở trên cùng (tô đỏ: chờ quá 3 giờ). "
                        f'<a href="/staff/feedback">{feedback_waiting} góp ý 👎 chưa xử lý</a>.</p>')
    body += table(["Mã", "Đã chờ", "Trạng thái", "Kênh", "Tin nhắn cuối của công dân"], rows) if rows else "<p>Không có yêu cầu nào đang chờ.</p>"
    return layout("Hàng chờ", body, caller, refresh=30)


def message(m: Dict[str, Any]) -> str:
    who = FROM.get(m["from"], m["from"]) + (f" ({m['staff']})" if m.get("staff") else "")
    state = ""
    if m["from"] == "staff" and m.get("delivery"):
        refused = m["delivery"] == "refused"
        state = f' · <span class="{"refused" if refused else ""}">{e(DELIVERY.get(m["delivery"], m["delivery"]))}</span>'
        if refused and m.get("reason"):
            state += f': <span class="refused">{e(m["reason"])}</span>'
    return f'<div class="msg {e(m["from"])}"><div class="meta">{e(who)} · {e(when(m.get("at")))}{state}</div>{e(m["text"])}</div>'


def handoff(r: Dict[str, Any], thread: List[Dict[str, Any]], caller: Any, ok: Optional[str] = None, error: Optional[str] = None,
            draft: str = "") -> str:
    head = (f"<p>{e(CHANNEL.get(r['channel'], r['channel']))} · cuộc trò chuyện {e(r['conversation'])} · "
            f"{e(STATUS.get(r['status'], r['status']))}" + (f" · {e(OWNER.get(r['owner'], ''))}" if r["status"] == "open" else "")
            + f" · gửi lúc {e(when(r['created_at']))}</p>")
    if r.get("contact"):
        head += f'<p class="contact">Số liên lạc công dân tự gửi để được gọi lại: <strong>{e(r["contact"])}</strong></p>'
    body = flash(ok, error) + head + "<p class=\"meta\">Số giấy tờ, số điện thoại, email trong tin nhắn đã được che.</p>"
    body += "".join(message(m) for m in thread)
    if r["status"] in ("open", "released"):
        body += (f'<h2>Trả lời công dân</h2><form method="post" action="/staff/handoffs/{r["id"]}/reply">{csrf_field(caller.csrf)}'
                 f'<textarea name="text" maxlength="2000" required aria-label="Nội dung trả lời">{e(draft)}</textarea>'
                 '<button type="submit">Gửi</button></form><div class="actions">')
        if r["status"] == "open":
            body += button_form(f"/staff/handoffs/{r['id']}/release", "Trả lại cho trợ lý ảo", caller.csrf)
        body += button_form(f"/staff/handoffs/{r['id']}/close", "Đóng", caller.csrf) + "</div>"
    return layout(f"Yêu cầu {r['ref']}", body, caller)


def feedback_list(items: List[Dict[str, Any]], handled: bool, caller: Any) -> str:
    rows = [f"<tr><td><a href=\"/staff/feedback/{i['id']}\">#{i['id']}</a></td><td>{e(when(i['created_at']))}</td>"
            f"<td>{'👎' if i['rating'] == 'down' else 'góp ý'}</td><td>{e(CHANNEL.get(i['channel'], i['channel']))}</td>"
            f"<td>{e((i['comment'] or '')[:160])}</td><td>{e((i['question'] or '')[:120])}</td>"
            + (f"<td>{e(i['handled_by'])} {e(when(i['handled_at']))}</td>" if handled else "") + "</tr>" for i in items]
    other = '<a href="/staff/feedback">chưa xử lý</a>' if handled else '<a href="/staff/feedback?handled=1">đã xử lý gần đây</a>'
    heads = ["#", "Lúc", "Loại", "Kênh", "Góp ý", "Câu hỏi đã được trả lời"] + (["Xử lý"] if handled else [])
    body = f"<p>Xem {other}.</p>" + (table(heads, rows) if rows else "<p>Không có góp ý nào.</p>")
    return layout("Góp ý đã xử lý" if handled else "Góp ý 👎 cần xử lý", body, caller)


def feedback_item(item: Dict[str, Any], caller: Any, ok: Optional[str] = None, error: Optional[str] = None) -> str:
    body = flash(ok, error) + (f"<p>{'👎' if item['rating'] == 'down' else 'Góp ý'} · {e(CHANNEL.get(item['channel'], item['channel']))}"
                               f" · cuộc trò chuyện {e(item['conversation'])} · {e(when(item['created_at']))}</p>")
    body += f'<div class="msg bot"><div class="meta">Câu hỏi</div>{e(item["question"] or "—")}</div>'
    body += f'<div class="msg citizen"><div class="meta">Góp ý của công dân</div>{e(item["comment"] or "—")}</div>'
    body += "".join(message({"from": "staff", **r}) for r in item.get("replies", []))
    if item["handled_at"]:
        body += f"<p class=\"note\">Đã xử lý bởi {e(item['handled_by'])} lúc {e(when(item['handled_at']))}.</p>"
    else:
        body += (f'<h2>Trả lời công dân</h2><form method="post" action="/staff/feedback/{item["id"]}/reply">{csrf_field(caller.csrf)}'
                 '<textarea name="text" maxlength="2000" required aria-label="Nội dung trả lời"></textarea>'
                 '<button type="submit">Gửi và đánh dấu đã xử lý</button></form>'
                 + button_form(f"/staff/feedback/{item['id']}/handled", "Đánh dấu đã xử lý (không trả lời)", caller.csrf))
    return layout(f"Góp ý #{item['id']}", body, caller)


def audit(rows: List[Dict[str, Any]], caller: Any) -> str:
    lines = [f"<tr><td>{e(when(r['at']))}</td><td>{e(r['actor'])}</td><td>{e(r['action'])}</td><td>{e(r['target'])}</td>"
             f"<td>{e(r['detail'])}</td></tr>" for r in rows]
    return layout("Nhật ký thao tác của cán bộ", table(["Lúc", "Ai", "Việc", "Mục", "Chi tiết"], lines), caller)


def accounts(users: List[Dict[str, Any]], caller: Any, ok: Optional[str] = None, error: Optional[str] = None) -> str:
    rows = []
    for u in users:
        toggle = button_form(f"/staff/accounts/{u['username']}/active", "Khóa" if u["active"] else "Mở khóa", caller.csrf)
        rows.append(f"<tr><td>{e(u['username'])}</td><td>{e(u['display_name'])}</td>"
                    f"<td>{'đang dùng' if u['active'] else 'đã khóa'}</td><td>{toggle}</td></tr>")
    body = flash(ok, error) + (table(["Tên đăng nhập", "Họ tên", "Trạng thái", ""], rows) if rows else "<p>Chưa có tài khoản cán bộ.</p>")
    body += ('<h2>Thêm cán bộ</h2><form method="post" action="/staff/accounts">' + csrf_field(caller.csrf)
             + '<p><label>Tên đăng nhập<br><input name="username" required></label></p>'
             '<p><label>Họ tên<br><input name="display_name"></label></p>'
             '<p><label>Mật khẩu (ít nhất 10 ký tự)<br><input name="password" type="password" autocomplete="new-password" required></label></p>'
             '<button type="submit">Thêm</button></form>')
    return layout("Tài khoản cán bộ", body, caller)
