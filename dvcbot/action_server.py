"""The action server process: `python -m dvcbot.action_server --actions actions --port N` is
`python -m rasa_sdk ...` with the retriever loaded before the port opens, so the first knowledge
question after a (re)start is answered at once instead of waiting seconds for the model."""
import dvcbot.quiet  # noqa: F401


def main() -> None:
    from answering.search import get_retriever
    from common.settings import get_settings

    if (get_settings().index_dir / "manifest.json").exists():
        get_retriever().search("khởi động", k=1)
    from rasa_sdk.__main__ import main as sdk_main

    sdk_main()


if __name__ == "__main__":
    main()
