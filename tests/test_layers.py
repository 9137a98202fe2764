"""The data flows one way: each folder imports only the folders below it (no import circles).
common -> knowledge -> store -> answering -> actions -> bot -> server -> dvcbot."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["common", "knowledge", "store", "answering", "actions", "bot", "server", "dvcbot"]


def imports_of(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


def test_each_folder_imports_only_the_folders_below_it():
    upward = []
    for rank, folder in enumerate(LAYERS):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in imports_of(path):
                if name in LAYERS and LAYERS.index(name) > rank:
                    upward.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not upward, "\n".join(upward)
