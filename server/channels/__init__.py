"""One router per channel: web (REST), socket.io (website widget protocol), widget (demo page),
Zalo OA, Facebook Messenger."""
