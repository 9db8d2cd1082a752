"""Bot sub-accounts are configuration (config/bots.yaml) and their messages `auto` in every chat
format; transfer lines (由 X 转交给 Y) are `system` wherever they stand, so they never start a
wait; marts.unmapped_accounts leaves bots out. Expected values by hand from SPEC 6 (default
plan: gap 30 min, service 08:00-23:00); 2026-10-12 is no promotion day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from pipelines.config.bots import DEFAULT_BOTS, load_bots
from pipelines.config.rules import ConfigError
from pipelines.config.settings import Settings
from pipelines.config.shop import load_config
from pipelines.orchestration.runner import backfill_days
from pipelines.warehouse.database import prepare
from tests.conftest import land
from tests.conftest import warehouse_rows as query
from tests.test_metrics import check, daily, make_settings

DAY = "2026-10-12"
SHOP = "3ce官方旗舰店"
BOT, WJIAO, LILY = f"{SHOP}:服务助手", f"{SHOP}:wjiao", f"{SHOP}:lily"

# A tool's CSV export: the bot answers as 客服, and the hand-over to wjiao stands in the buyer's
# position (sender 买家).
CHATS_CSV = f"""时间,客服,买家,发送方,内容
{DAY} 10:00:00,{BOT},tb_p,买家,在吗
{DAY} 10:00:02,{BOT},tb_p,客服,亲，在的
{DAY} 10:00:03,{WJIAO},tb_p,买家,由 服务助手 转交给 wjiao 原因：【转人工】
{DAY} 10:00:05,{WJIAO},tb_p,买家,有货吗
{DAY} 10:00:40,{WJIAO},tb_p,客服,有的
{DAY} 13:00:00,店:智能客服,tb_c,买家,在吗
{DAY} 13:00:03,店:智能客服,tb_c,客服,您好
{DAY} 13:00:00,店:临时,tb_d,买家,在吗
{DAY} 13:00:04,店:临时,tb_d,客服,在的
"""

# A 千牛 copy of lily's window: the bot answers first, then a transfer line with no spaces and
# a time, naming lily without her shop.
LILY_TXT = f"""tb_q {DAY} 11:00:00
在吗
{BOT} {DAY} 11:00:01
亲，在的，请问有什么可以帮您
由服务助手转交给lily {DAY} 11:00:20
tb_q {DAY} 11:00:30
这款有货吗
{LILY} {DAY} 11:01:00
有的亲
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One day's chats in three formats under bots.yaml `[服务助手, 小蜜蜂]`; E9 holds the bot
    account 服务助手 (someone's login), so its replies would have been theirs."""
    root = tmp_path_factory.mktemp("bots")
    settings = make_settings(root, f"E1,婕,{WJIAO},普通,presale,2026-01-01,",
                             f"E2,丽,{LILY},普通,presale,2026-01-01,",
                             f"E9,助,{BOT},普通,presale,2026-01-01,")
    (settings.config / "bots.yaml").write_text("bots: [服务助手, 小蜜蜂]\n", encoding="utf-8")
    land(settings, "chats", DAY, "chats.csv", CHATS_CSV)
    land(settings, "chats", DAY, f"{SHOP}_lily.txt", LILY_TXT)
    land(settings, "chats", DAY, "chats.jsonl", "".join(json.dumps(row, ensure_ascii=False) + "\n"
                                                      for row in (
        {"sent_at": f"{DAY} 13:00:00", "agent": "店:小蜜蜂", "buyer": "tb_a", "sender": "buyer",
         "content": "在吗"},
        {"sent_at": f"{DAY} 13:00:01", "agent": "店:小蜜蜂", "buyer": "tb_a", "sender": "agent",
         "content": "欢迎光临"})))
    with DagsterInstance.ephemeral() as instance:
        backfill_days(settings, date(2026, 10, 12), date(2026, 10, 12), instance)
    yield settings


def test_a_bots_replies_are_auto_and_end_no_wait_in_csv_and_txt(shop: Settings) -> None:
    """CSV, tb_p: 10:00:00 tb_p to 服务助手, 10:00:02 服务助手 (declared 客服, but a bot: auto),
    10:00:03 the transfer line as tb_p's message (system), 10:00:05 tb_p to wjiao, 10:00:40
    wjiao.
      E9 (服务助手): consulted 1 (tb_p wrote to it), received 0, the 10:00:00 wait unanswered
        (a bot's reply answers nothing), no human messages, 1 buyer message. Were 服务助手 human,
        a 2 s answered wait.
      E1 (wjiao): one wait from 10:00:05 (not 10:00:03: the transfer starts none) to 10:00:40
        = 35 s, its session's first; 1 buyer message, 1 human.
    .txt, lily's window: tb_q 11:00:00 (to lily: the file's own account, the bot's 1 message
    making it no speaker), 11:00:01 服务助手 (auto), the transfer line with its time (no
    message), 11:00:30 tb_q, 11:01:00 lily. E2: one wait 11:00:00 -> 11:01:00 = 60 s, first;
    buyer messages 2, human 1; consulted 1 (the transfer line is no buyer).
    """
    check(daily(shop, "E9", DAY), consulted_buyers=1, received_buyers=0, reply_rate=0.0,
          answered_waits=0, unanswered_waits=1, agent_messages=0, buyer_messages=1)
    check(daily(shop, "E1", DAY), consulted_buyers=1, received_buyers=1, answered_waits=1,
          answered_wait_seconds=35, first_responses=1, first_response_seconds=35.0,
          unanswered_waits=0, agent_messages=1, buyer_messages=1)
    check(daily(shop, "E2", DAY), consulted_buyers=1, received_buyers=1, answered_waits=1,
          answered_wait_seconds=60, first_response_seconds=60.0, unanswered_waits=0,
          agent_messages=1, buyer_messages=2)
    senders = query(shop, "SELECT strftime(sent_at, '%H:%M:%S'), agent, buyer, sender "
                          "FROM staging.chat_messages WHERE buyer IN ('tb_p', 'tb_q')")
    assert sorted(senders) == sorted([
        ("10:00:00", BOT, "tb_p", "buyer"), ("10:00:02", BOT, "tb_p", "auto"),
        ("10:00:03", WJIAO, "tb_p", "system"), ("10:00:05", WJIAO, "tb_p", "buyer"),
        ("10:00:40", WJIAO, "tb_p", "agent"),
        ("11:00:00", LILY, "tb_q", "buyer"), ("11:00:01", LILY, "tb_q", "auto"),
        ("11:00:30", LILY, "tb_q", "buyer"), ("11:01:00", LILY, "tb_q", "agent")])


def test_unmapped_accounts_leave_out_the_configured_bots(shop: Settings) -> None:
    """No roster row maps 店:小蜜蜂 (JSONL), 店:智能客服 or 店:临时 (CSV). 小蜜蜂 is a bot by this
    shop's bots.yaml: its reply is auto and it is not listed. 智能客服 is not on this shop's
    list (it replaced the defaults): a human reply, listed (2 messages, 1 buyer, 1 human), as is
    店:临时 (the same counts)."""
    assert query(shop, "SELECT sender FROM staging.chat_messages WHERE agent = '店:小蜜蜂' "
                       "ORDER BY sent_at") == [("buyer",), ("auto",)]
    unmapped = query(shop, "SELECT day, account, messages, buyers, agent_messages "
                           "FROM marts.unmapped_accounts")
    assert sorted(unmapped) == [(date(2026, 10, 12), "店:临时", 2, 1, 1),
                                (date(2026, 10, 12), "店:智能客服", 2, 1, 1)]


def test_the_bot_list_defaults_when_bots_yaml_is_absent_and_is_the_shipped_one(
        tmp_path: Path) -> None:
    assert load_bots(tmp_path / "bots.yaml") == DEFAULT_BOTS
    assert set(DEFAULT_BOTS) == {"服务助手", "店小蜜", "智能客服", "机器人", "自动回复"}
    assert load_config(Path(__file__).resolve().parent.parent / "config").bots == DEFAULT_BOTS
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert load_bots(empty) == DEFAULT_BOTS
    none = tmp_path / "none.yaml"
    none.write_text("bots: []\n", encoding="utf-8")
    assert load_bots(none) == ()


@pytest.mark.parametrize(("text", "message"), [
    ("bots: [服务助手, '店:小蜜']\n", "bots[1]: '店:小蜜': name the bot without its shop"),
    ("bots: [服务助手, '']\n", "bots[1]: empty: every bot needs a name"),
    ("bot: [服务助手]\n", "bot: unknown field"),
])
def test_a_bad_bot_list_names_file_and_field_in_one_line(tmp_path: Path, text: str,
                                                         message: str) -> None:
    path = tmp_path / "bots.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as failure:
        load_bots(path)
    assert str(failure.value).startswith(f"{path}: {message}")
    assert "\n" not in str(failure.value)


@pytest.mark.parametrize(("account", "bots", "is_bot"), [
    ("3ce官方旗舰店:服务助手", list(DEFAULT_BOTS), True),
    ("店:店小蜜02", list(DEFAULT_BOTS), True),    # the name contains a bot's
    ("店小蜜旗舰店:amy", list(DEFAULT_BOTS), False),  # the shop's part is not the name
    ("店小蜜", list(DEFAULT_BOTS), True),         # no shop part: the whole is the name
    ("店:a.b", ["a.b"], True),                   # names are literal text, not patterns
    ("店:aXb", ["a.b"], False),
    ("店:(y)", ["(y)"], True),
    ("店:服务助手", [], False),                  # an empty list makes no account a bot
])
def test_a_bot_is_told_by_its_sub_account_name(account: str, bots: list[str],
                                               is_bot: bool) -> None:
    con = prepare(duckdb.connect())
    assert con.execute("SELECT kefu_is_bot(?, ?)", [account, bots]).fetchone() == (is_bot,)
