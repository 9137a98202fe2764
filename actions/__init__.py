"""Rasa SDK custom actions, one module per concern.

The action server (`python -m rasa_sdk --actions actions`) imports this package and registers
every Action subclass defined in the modules imported here."""
from actions import feedback, handoff, knowledge_answers, procedures  # noqa: F401
