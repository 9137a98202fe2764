"""The answering layer: from a question and the conversation's context to an Answer (text,
sources, buttons, outcome, confidence, the records weighed). Independent of Rasa: the actions
are thin adapters over `answer`, and `dvc-bot ask`, the shell and the benchmarks reach it
through them or directly.

Data flows one way: actions -> answering -> knowledge (and store.outcomes for the markers).
"""
from answering.core import answer
from answering.model import Answer, Context, Nlu

__all__ = ["answer", "Answer", "Context", "Nlu"]
