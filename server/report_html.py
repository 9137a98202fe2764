"""The staff report as one self-contained HTML page: tables plus charts drawn with matplotlib
(Agg, no pyplot state: safe in the gateway's threads) and embedded as base64 PNGs."""
from __future__ import annotations

import base64
import html
import io
from typing import Any, Dict, List, Optional

from store.report import SHARE_OUTCOMES, duration

OUTCOME_LABELS = {
    "answered": "Trả lời được", "fallback": "Chưa trả lời được", "handoff": "Chuyển cán bộ",
    "feedback": "Đánh giá/góp ý", "chitchat": "Chào hỏi", "error": "Lỗi hệ thống", "unknown": "Không rõ",
}
COLORS = {"answered": "#2e7d32", "fallback": "#ef6c00", "handoff": "#1565c0", "feedback": "#6a1b9a",
          "chitchat": "#9e9e9e", "error": "#c62828", "unknown": "#bdbdbd"}


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float = 6.0, height: float = 3.0) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    return figure, figure.add_subplot()


def charts(report: Dict[str, Any]) -> Dict[str, str]:
    """name -> base64 PNG, only for the parts that have data."""
    out: Dict[str, str] = {}
    turns = report["turns"]
    if turns.get("total"):
        fig, ax = _figure()
        channels = list(turns["by_channel"])
        bottom = [0] * len(channels)
        for name in turns["by_outcome"]:
            values = [turns["by_channel_outcome"].get(ch, {}).get(name, 0) for ch in channels]
            ax.bar(channels, values, bottom=bottom, label=OUTCOME_LABELS.get(name, name), color=COLORS.get(name))
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_title("Lượt hỏi theo kênh")
        ax.set_ylabel("lượt")
        ax.legend(fontsize=7)
        out["turns_by_channel"] = _png(fig)

        fig, ax = _figure()
        days = [row["day"][5:] for row in turns["per_day"]]
        for name in SHARE_OUTCOMES:
            ax.plot(days, [row[name] for row in turns["per_day"]], marker="o", label=OUTCOME_LABELS[name], color=COLORS[name])
        ax.set_title("Lượt hỏi theo ngày")
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.legend(fontsize=7)
        out["turns_per_day"] = _png(fig)

    sat = report["satisfaction"]
    if sat["ratings"]:
        fig, ax = _figure()
        topics = [row["topic"] for row in sat["by_topic"]]
        ax.barh(topics, [row["score"] * 100 for row in sat["by_topic"]], color="#2e7d32")
        for i, row in enumerate(sat["by_topic"]):
            ax.text(1, i, f"{row['up']}/{row['ratings']}", va="center", color="white", fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel("% 👍".replace("👍", "hài lòng"))
        ax.set_title("Mức hài lòng theo chủ đề")
        ax.invert_yaxis()
        out["satisfaction_by_topic"] = _png(fig)

        fig, ax = _figure()
        days = [row["day"][5:] for row in sat["per_day"]]
        ax.plot(days, [row["score"] * 100 for row in sat["per_day"]], marker="o", color="#2e7d32")
        ax.set_ylim(0, 105)
        ax.set_ylabel("% hài lòng")
        ax.set_title("Mức hài lòng theo ngày")
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        out["satisfaction_per_day"] = _png(fig)
    return out


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _pct(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _table(headers: List[str], rows: List[List[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(images: Dict[str, str], name: str, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{images[name]}">' if name in images else ""


def render_html(report: Dict[str, Any]) -> str:
    images = charts(report)
    p = report["period"]
    turns, sat, handoffs = report["turns"], report["satisfaction"], report["open_handoffs"]
    parts = [f"<h1>Báo cáo trợ lý dịch vụ công</h1><p>{_e(p['start'])} → {_e(p['end'])} ({_e(p['timezone'])}); lập lúc {_e(report['generated_at'])}</p>"]
    if report.get("empty"):
        parts.append('<p class="empty">Chưa có dữ liệu (no data yet): chưa có lượt hỏi, đánh giá hay yêu cầu gặp cán bộ trong khoảng thời gian này.</p>')

    parts.append("<h2>Lượt hỏi</h2>")
    if not turns.get("available"):
        parts.append(f"<p>Không đọc được: {_e(turns.get('note'))}</p>")
    elif not turns["total"]:
        parts.append("<p>Chưa có dữ liệu.</p>")
    else:
        parts.append(f"<p>{turns['total']} lượt trong {turns['conversations']} cuộc trò chuyện.</p>")
        parts.append(_table(["Kết quả", "Tỉ lệ"], [[OUTCOME_LABELS[n], _pct(turns["share"][n])] for n in SHARE_OUTCOMES]))
        parts.append(_table(["Kênh", "Lượt"] + [OUTCOME_LABELS.get(n, n) for n in turns["by_outcome"]],
                            [[ch, n] + [turns["by_channel_outcome"].get(ch, {}).get(o, 0) for o in turns["by_outcome"]]
                             for ch, n in turns["by_channel"].items()]))
        parts.append(_img(images, "turns_by_channel", "Lượt hỏi theo kênh") + _img(images, "turns_per_day", "Lượt hỏi theo ngày"))

    parts.append("<h2>Mức hài lòng (👍 / tổng số đánh giá)</h2>")
    if not sat["ratings"]:
        parts.append(f"<p>Chưa có đánh giá. Góp ý: {sat['comments']}.</p>")
    else:
        parts.append(f"<p>{_pct(sat['score'])} trên {sat['ratings']} đánh giá (👍 {sat['up']}, 👎 {sat['down']}); {sat['comments']} góp ý.</p>")
        parts.append(_table(["Chủ đề", "Hài lòng", "👍", "Đánh giá"], [[r["topic"], _pct(r["score"]), r["up"], r["ratings"]] for r in sat["by_topic"]]))
        parts.append(_img(images, "satisfaction_by_topic", "Mức hài lòng theo chủ đề") + _img(images, "satisfaction_per_day", "Mức hài lòng theo ngày"))
        parts.append(_table(["Ngày", "Hài lòng", "👍", "👎"], [[r["day"], _pct(r["score"]), r["up"], r["down"]] for r in sat["per_day"]]))

    parts.append("<h2>Câu hỏi chưa trả lời được nhiều nhất</h2><p>Số giấy tờ, số điện thoại, email đã được che.</p>")
    unanswered = turns.get("unanswered") or []
    parts.append(_table(["Số lần", "Câu hỏi", "Lý do", "Lần cuối"], [[r["count"], r["question"], r["reason"], r["last"]] for r in unanswered])
                 if unanswered else "<p>Không có.</p>")

    staff = report["staff"]
    parts.append("<h2>Cán bộ xử lý</h2>")
    parts.append(_table(["", "Đã xử lý", "Tổng", "Tỉ lệ"], [
        ["Yêu cầu gặp cán bộ (trả lại trợ lý ảo hoặc đóng)", staff["handled"], staff["requests"], _pct(staff["handled_rate"])],
        ["Góp ý 👎 (đã trả lời hoặc đánh dấu)", staff["feedback_handled"], staff["feedback_items"], _pct(staff["feedback_handled_rate"])],
    ]))
    parts.append(f"<p>Thời gian từ yêu cầu đến câu trả lời đầu tiên của cán bộ (trung vị): "
                 f"{_e(duration(staff['median_first_response_s'], vi=True))}, trên {staff['answered']} yêu cầu đã được trả lời.</p>")

    parts.append(f"<h2>Yêu cầu gặp cán bộ đang mở ({len(handoffs)})</h2>")
    parts.append(_table(["Mã", "Lúc", "Số ngày", "Kênh", "Cuộc trò chuyện", "Nội dung"],
                        [[r["ref"], r["created_at"], r["age_days"], r["channel"], r["conversation"], r["reason"]] for r in handoffs])
                 if handoffs else "<p>Không có.</p>")

    style = (
        "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
        "th{background:#f3f3f3}img{max-width:48%;margin:.5em 1% 0 0}.empty{background:#fff8e1;padding:.5em}"
    )
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Báo cáo dvc-bot {_e(p['start'])} → {_e(p['end'])}</title><style>{style}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )
