"""`GET /widget`: a Vietnamese demo page with rasa-webchat, served from the npm package that
scripts/setup.sh installs into web/node_modules (never from a CDN, never vendored into git)."""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

router = APIRouter(tags=["widget"])

BUNDLE = Path("web/node_modules/rasa-webchat/lib/index.js")

PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trợ lý dịch vụ công trực tuyến</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
         background: #f4f6f8; color: #1d2733; }
  main { max-width: 760px; margin: 0 auto; padding: 24px 16px; }
  h1 { font-size: 1.5rem; margin: 0 0 8px; color: #b3261e; }
  p { line-height: 1.5; }
  #chat { height: 560px; margin-top: 16px; border-radius: 8px; overflow: hidden;
          box-shadow: 0 2px 10px rgba(0, 0, 0, .12); background: #fff; }
  #chat .rw-conversation-container { height: 560px; }
</style>
</head>
<body>
<main>
  <h1>Trợ lý dịch vụ công trực tuyến</h1>
  <p>Hỏi về thủ tục hành chính: thời gian giải quyết, lệ phí, giấy tờ cần chuẩn bị, nơi nộp hồ sơ.
     Ví dụ: “Làm thẻ căn cước mất bao lâu?”. Câu trả lời có ghi nguồn và ngày kiểm tra thông tin.</p>
  <p>Không gửi số căn cước, số điện thoại hay thông tin cá nhân khác vào khung trò chuyện.</p>
  <div id="chat"></div>
</main>
<script src="/widget/webchat.js"></script>
<script>INIT</script>
</body>
</html>
"""

INIT = """
  WebChat.default({
    embedded: true,
    initPayload: "/greet",
    customData: { language: "vi" },
    socketUrl: window.location.origin,
    socketPath: "/socket.io/",
    title: "Trợ lý dịch vụ công",
    subtitle: "Trả lời tự động 24/7",
    inputTextFieldHint: "Nhập câu hỏi của bạn…",
    showMessageDate: false,
    params: { storage: "session" }
  }, document.getElementById("chat"));
"""

# The page loads nothing from elsewhere: the bundle's @import of a web font and any other
# outside script, style or connection are blocked by the browser itself.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'sha256-{}'".format(base64.b64encode(hashlib.sha256(INIT.encode()).digest()).decode()),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "font-src 'self' data:",
    "frame-ancestors 'self'",
])
PAGE = PAGE.replace("<script>INIT</script>", f"<script>{INIT}</script>")


@router.get("/widget", response_class=HTMLResponse, summary="Demo page with the website widget")
async def widget_page() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": CSP})


@router.get("/widget/webchat.js", summary="The rasa-webchat bundle (installed from npm at setup)")
async def widget_bundle(request: Request) -> Response:
    path = request.app.state.settings.project_root / BUNDLE
    if not path.is_file():
        return PlainTextResponse(
            "rasa-webchat is not installed: run scripts/setup.sh (npm ci in web/)", status_code=503
        )
    return FileResponse(path, media_type="application/javascript", headers={"Cache-Control": "public, max-age=3600"})
