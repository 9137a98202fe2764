"""The answering layer searches the real index: wait for the one the session builds."""
import pytest


@pytest.fixture(autouse=True)
def _index(knowledge_index):
    return knowledge_index
