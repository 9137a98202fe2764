"""The load-time patch (dvcbot.rasa_patches) must not change what the model predicts."""
import asyncio
import json
import sys

import pytest

from tests.conftest import after_model_result

pytestmark = pytest.mark.slow

QUESTIONS = ["Làm thẻ căn cước mất bao lâu?", "xin chao", "doi giay phep lai xe bao lau", "cam on", "trời mưa không"]

# Rasa's own load, unpatched, of the part of the model that parses a message (the NLU subgraph of
# the prediction graph, as Agent.parse_message runs it): the dialogue policies are not needed to
# compare what is predicted, and loading them unpatched cost about a minute of CPU more
UNPATCHED = """
import json, sys, tempfile
from pathlib import Path
import dvcbot.quiet
from dvcbot.quiet import configure_logging; configure_logging()
from rasa.core.channels import UserMessage
from rasa.engine.graph import ExecutionContext
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.constants import PLACEHOLDER_MESSAGE
storage, meta = LocalModelStorage.from_model_archive(storage_path=Path(tempfile.mkdtemp()), model_archive_path=Path(sys.argv[1]))
schema = meta.predict_schema.minimal_graph_schema([meta.nlu_target])
assert not any("Policy" in node.uses.__name__ for node in schema.nodes.values())
runner = DaskGraphRunner.create(graph_schema=schema, model_storage=storage,
                                execution_context=ExecutionContext(graph_schema=schema, model_id=meta.model_id))
parsed = []
for question in json.loads(sys.argv[2]):
    message = runner.run(inputs={PLACEHOLDER_MESSAGE: [UserMessage(question)]}, targets=[meta.nlu_target])[meta.nlu_target][0]
    parsed.append(message.as_dict(only_output_properties=True))
print("RESULT" + json.dumps(parsed))
"""


# the unpatched load runs right after training, in the background (tests/after_model.py), while
# other tests go on
AFTER_MODEL = {"unpatched-parse": {"argv": [sys.executable, "-c", UNPATCHED, "{model}", json.dumps(QUESTIONS)]}}


def summary(parsed):
    return [
        (p["intent"]["name"], round(p["intent"]["confidence"], 4), [(e["entity"], e["value"], e["start"], e["end"]) for e in p["entities"]])
        for p in parsed
    ]


def test_patched_load_predicts_exactly_like_rasa(agent, trained_model):
    patched = [asyncio.run(agent.parse_message(q)) for q in QUESTIONS]
    result = after_model_result("unpatched-parse")
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(l for l in result.stdout.splitlines() if l.startswith("RESULT"))
    assert summary(patched) == summary(json.loads(line[len("RESULT"):]))


@pytest.mark.parametrize(
    "result, valid",
    [
        ({"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "chào"}]}, True),
        ({"events": [], "responses": []}, True),
        ({"events": [{"event": "no_such_event"}], "responses": []}, False),
        ({"events": "not a list", "responses": []}, False),
        ({"events": [], "responses": ["not an object"]}, False),
    ],
)
def test_cached_action_result_validation_agrees_with_rasas(result, valid):
    from jsonschema import ValidationError, validate
    from rasa.core.actions.action import RemoteAction

    from dvcbot import rasa_patches

    rasa_patches._patch_action_result_validation()
    try:
        validate(result, RemoteAction.action_response_format_spec())
        rasa_says = True
    except ValidationError:
        rasa_says = False
    assert rasa_says is valid
    if valid:
        assert RemoteAction._validate_action_result(None, result) is True
    else:
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            RemoteAction._validate_action_result(None, result)
