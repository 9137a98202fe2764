"""Rasa SDK custom actions, one module per concern: `answer` (every question, through the
answering layer), `feedback`, `handoff`.

The action server (`python -m rasa_sdk --actions actions`) imports this package and registers
every Action subclass defined in the modules imported here. Importing it also masks personal
data in every log record of the process (common.logs.install; the server has set up its logging
by then)."""
from common.logs import install as _mask_personal_data_in_logs

_mask_personal_data_in_logs()
from actions import answer, feedback, handoff  # noqa: F401
