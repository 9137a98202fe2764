"""One router per channel: web (REST + widget), Zalo OA, Facebook Messenger."""
