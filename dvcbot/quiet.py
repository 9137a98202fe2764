"""Environment for a quiet, private, offline run of Rasa/TensorFlow/HF libraries.

Imported before any heavy library: no telemetry, no hub downloads, fewer TF log lines."""
import os
import warnings

for key, value in {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "LOG_LEVEL_LIBRARIES": "ERROR",
}.items():
    os.environ.setdefault(key, value)

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


def configure_logging(level: int = None) -> None:
    """Rasa logs at DEBUG through structlog unless told otherwise."""
    import logging

    level = level or logging.WARNING
    logging.basicConfig(level=level)
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # no RepeatedLogFilter: it drops a record identical to the previous one (our one-line `turn`
    # logs, repeated warnings) from every root handler, pytest's log capture included
    configure_logging_and_warnings(level, filter_repeated_logs=False)
    configure_structlog(level)
