"""Interactive staff shell: chat with the bot in one process and inspect what it understood."""
from __future__ import annotations

import asyncio
import uuid

HELP = """Lệnh: /info bật/tắt chi tiết (ý định, độ tin cậy, nguồn) · /moi cuộc hội thoại mới · /thoat thoát
Gõ số để bấm nút của câu trả lời trước."""


def run_shell(runtime, verbose: bool = False, input_fn=input) -> int:
    from dvcbot.cli import _print_turn

    sender = f"shell-{uuid.uuid4().hex[:8]}"
    buttons = []
    print("Trợ lý dịch vụ công — shell cho cán bộ.\n" + HELP + "\n")
    loop = asyncio.new_event_loop()
    try:
        while True:
            try:
                line = input_fn("Bạn> ").strip()
            except EOFError:
                break
            if not line:
                continue
            if line in ("/thoat", "/quit", "/exit"):
                break
            if line in ("/info", "/debug"):
                verbose = not verbose
                print(f"(chi tiết: {'bật' if verbose else 'tắt'})")
                continue
            if line in ("/moi", "/restart"):
                sender = f"shell-{uuid.uuid4().hex[:8]}"
                print("(cuộc hội thoại mới)")
                continue
            if line in ("/help", "/?"):
                print(HELP)
                continue
            if line.isdigit() and 0 < int(line) <= len(buttons):
                line = buttons[int(line) - 1].payload
            turn = loop.run_until_complete(runtime.ask(line, sender=sender))
            buttons = [b for reply in turn.replies for b in reply.buttons]
            print("Bot>")
            _print_turn(turn, as_json=False, verbose=verbose)
    finally:
        loop.close()
    return 0
