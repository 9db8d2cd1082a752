"""bots.yaml: the shop's bot sub-accounts (Tmall's 服务助手, 店小蜜, 智能客服 and the like).

A message from a sub-account whose name (the part after 店铺:) contains one of these is `auto`
in every chat format, never a human reply: a bot's instant answers must not end a buyer's wait
or earn whoever holds the account perfect response times. The file is optional; without it the
defaults below apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ValidationError

from pipelines.config.rules import ConfigModel, clean_name, config_errors, read_yaml

# 自动回复 stays from the auto aliases the sender column has always had (sql/macros.sql).
DEFAULT_BOTS: tuple[str, ...] = ("服务助手", "店小蜜", "智能客服", "机器人", "自动回复")


def _bot_name(name: str) -> str:
    if not name:
        raise ValueError("empty: every bot needs a name (an empty one would match every account)")
    if ":" in name or "：" in name:
        raise ValueError(f"{name!r}: name the bot without its shop (服务助手, not 店铺:服务助手): "
                         "it is matched on the part after the colon, in every shop")
    return name


BotName = Annotated[str, BeforeValidator(clean_name), AfterValidator(_bot_name)]


class BotAccounts(ConfigModel):
    bots: tuple[BotName, ...] = DEFAULT_BOTS


def load_bots(path: Path) -> tuple[str, ...]:
    """The bot names of bots.yaml; the defaults when the file does not exist or is empty
    (`bots: []` says the shop has no bot)."""
    if not path.exists():
        return DEFAULT_BOTS
    data = read_yaml(path)
    try:
        return BotAccounts.model_validate({} if data is None else data).bots
    except ValidationError as err:
        raise config_errors(path, err) from None
