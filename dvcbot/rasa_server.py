"""The Rasa server process: `python -m dvcbot.rasa_server run ...` is `rasa run ...` with the
load-time patch of dvcbot.rasa_patches (model loads in ~10 s instead of ~50 s) and personal data
masked in its logs."""
import dvcbot.quiet  # noqa: F401
from dvcbot import rasa_patches


def main() -> None:
    from common.logs import install

    install()  # personal data masked in every log record of Rasa too (Rasa logs texts at debug)
    rasa_patches.apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
