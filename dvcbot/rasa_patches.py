"""A load-time fix for Rasa 3.6 on this stack, applied wherever a model is loaded.

`RasaModel.load` builds a DIET/TED model's weights by running `fit` on one example in graph
mode. Tracing the *training* step (forward and backward pass) takes ~15-30 s per model on a
2-core machine, only to create variables that `load_weights` overwrites right after. Running that
single build step eagerly creates the same variables in a fraction of the time; the model is then
recompiled as configured, so prediction still runs as a compiled tf.function (traced once at the
end of loading, as before). Weights and predictions are unchanged (tests compare both paths).

A second, run-time fix: `RemoteAction` checks every action server response with
`jsonschema.validate(result, schema)`, which first validates the (constant) schema itself against
the JSON Schema meta-schema. Measured with cProfile, that was ~45 ms of CPU per custom action
call, 60% of a turn. The patch builds the validator once and validates each response against
the same schema, raising the same ValidationError with the same message.
"""
from __future__ import annotations

from typing import Any, Optional

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    import tensorflow as tf
    from rasa.utils.tensorflow import models
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

    def load(
        cls,
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Optional[Any] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ):
        model = cls(*args, **kwargs)
        learning_rate = kwargs.get("config", {}).get(LEARNING_RATE, 0.001)
        run_eagerly = kwargs.get("config", {}).get(RUN_EAGERLY)
        # build the variables with one eager step (no graph tracing of the training step)
        model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), run_eagerly=True)
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
        model.load_weights(model_file_name)
        # back to the configured execution mode for prediction (and fine-tuning)
        model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), run_eagerly=run_eagerly)
        if not finetune_mode and predict_data_example:
            model.run_inference(predict_data_example)
        return model

    models.RasaModel.load = classmethod(load)
    _patch_action_result_validation()
    _applied = True


def _patch_action_result_validation() -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import DOCS_BASE_URL, RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of on every response
    validator = validator_class(schema)

    def _validate_action_result(self, result):
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result
