"""TURN_CONCURRENCY: at most that many turns reach Rasa at once; the others wait in the gateway
(and are answered, not dropped)."""
import threading

import httpx

from tests.fakes import is_apology, wait_for


def the_gateway(server):
    return server.config.app.api.state.gateway


def test_turns_beyond_the_limit_wait_for_a_slot_and_are_all_answered(platform, start_gateway):
    platform.rasa_gate.clear()  # Rasa busy: the turns it got stay open
    answers = {}
    try:
        server = start_gateway(turn_concurrency=2)
        gateway = the_gateway(server)

        def citizen(i):
            answers[i] = httpx.post(f"{server.base}/webhooks/web", json={"sender": f"tc-{i}", "message": f"câu {i}"}, timeout=60).json()

        threads = [threading.Thread(target=citizen, args=(i,)) for i in range(5)]
        for thread in threads:
            thread.start()
        # all five reached the gateway: two with Rasa, three waiting for a slot
        wait_for(lambda: len(platform.calls("rasa")) == 2 and gateway.turns_waiting == 3, what="two at Rasa, three waiting")
        assert platform.rasa_in_flight == 2
    finally:
        platform.rasa_gate.set()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == list(range(5))
    for i, body in answers.items():
        [message] = body["messages"]
        assert not is_apology(message) and message["text"].startswith(f"Trả lời: câu {i}")
    assert platform.rasa_max_in_flight == 2 and len(platform.calls("rasa")) == 5
