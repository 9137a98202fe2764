"""Rasa SDK custom actions, one module per concern.

The action server (`python -m rasa_sdk --actions actions`) imports this package and registers
every Action subclass defined in the modules imported here. Importing it also masks personal
data in every log record of the process (dvcbot.logs.install; the server has set up its logging
by then)."""
from dvcbot.logs import install as _mask_personal_data_in_logs

_mask_personal_data_in_logs()
from actions import feedback, handoff, knowledge_answers, procedures, scope  # noqa: F401
