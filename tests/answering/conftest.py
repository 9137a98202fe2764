"""The answering layer searches the real index: wait for the one the session builds."""
import pytest


@pytest.fixture(autouse=True)
def _index(knowledge_index):
    return knowledge_index


@pytest.fixture
def weights_at(monkeypatch):
    """weights_at(module, path): the fitted model `module` (verify, rescue) reads from `path` for
    this test only; its cached copy is dropped before and after."""
    swapped = []

    def swap(module, path):
        monkeypatch.setattr(module, "WEIGHTS", path)
        module._model.cache_clear()
        swapped.append(module)

    yield swap
    monkeypatch.undo()
    for module in swapped:
        module._model.cache_clear()
