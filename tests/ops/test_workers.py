"""What `dvc-bot serve` starts for WORKERS=N (without starting it): ports, per-worker wiring,
thread limits, and the refusal to run several workers without Redis."""
from common.settings import Settings
from dvcbot.supervisor import build_children, serve


def test_each_worker_gets_its_own_ports_and_talks_to_its_own_rasa(monkeypatch):
    for name in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    children = build_children(Settings(workers=2, port=8000, rasa_port=5005, actions_port=5055), "m.tar.gz", "t")
    assert [c.name for c in children] == ["actions-0", "rasa-0", "gateway-0", "actions-1", "rasa-1", "gateway-1"]
    gateway1 = children[5]
    assert "8001" in gateway1.argv and gateway1.env["RASA_URL"] == "http://127.0.0.1:5006"
    assert gateway1.env["WORKER_ID"] == "1" and children[4].env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5056/webhook"
    assert "5006" in children[4].argv and "5056" in children[3].argv
    assert all(c.env["TF_INTRA_OP_PARALLELISM_THREADS"] == "1" and c.env["OMP_NUM_THREADS"] == "1" for c in children)

    single = build_children(Settings(workers=1), "m.tar.gz", "t")
    assert [c.name for c in single] == ["actions", "rasa", "gateway"]
    assert "TF_INTRA_OP_PARALLELISM_THREADS" not in single[1].env


def test_several_workers_without_redis_is_a_clear_error(capsys):
    assert serve(Settings(workers=2, redis_url="")) == 1
    assert "REDIS_URL" in capsys.readouterr().err


def test_each_gateway_worker_keeps_its_own_inbox_file():
    assert Settings(worker_id=0).gateway_db_name == "gateway.db"
    assert Settings(worker_id=1).gateway_db_name == "gateway-1.db"
