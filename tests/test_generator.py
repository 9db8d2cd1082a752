"""The sample shop generator: formats as the ingest expects them, planted faults, determinism."""

import csv
import hashlib
import json
import re
import zipfile
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from pipelines.generator import generate
from pipelines.generator.writers import ORDER_HEADER, REFUND_HEADER

MONTH = "2026-10"
SMALL = {"agents": 6, "seed": 7, "scale": 0.2}
OPENER = re.compile(r"^(\S+) (\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2})$")
ORDER_ID = re.compile(r'^="[34]\d{18}"$')


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(MONTH, out, **SMALL)
    return out


@pytest.fixture(scope="module")
def manifest(landing: Path) -> dict:
    return json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _gbk_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(raw.decode("gbk").splitlines()))


def test_same_seed_same_bytes_and_other_seed_differs(landing: Path, tmp_path: Path) -> None:
    generate(MONTH, tmp_path / "again", **SMALL)
    generate(MONTH, tmp_path / "other", **{**SMALL, "seed": 8})
    first = _digests(landing)
    assert first == _digests(tmp_path / "again")
    other = _digests(tmp_path / "other")
    assert other.keys() & first.keys()
    assert all(other[k] != first[k] for k in ("_roster.csv", "_manifest.json"))


def test_layout_has_every_source_every_day(landing: Path) -> None:
    for d in range(1, 32):
        day = f"2026-10-{d:02d}"
        stamp = day.replace("-", "")
        assert (landing / "orders" / day / f"ExportOrderList{stamp}2359.csv").is_file()
        assert (landing / "refunds" / day / f"RefundList{stamp}.csv").is_file()
        assert (landing / "ratings" / day / f"服务评价_{stamp}.xlsx").is_file()
        assert (landing / "chats" / day / f"聊天记录_{stamp}.csv").is_file()
        assert (landing / "chats" / day / f"chats_{stamp}.jsonl").is_file()
    assert not (landing / "orders" / "2026-11-01").exists()
    assert (landing / "adjustments" / MONTH / "qa_points.csv").is_file()


def test_order_export_is_gbk_crlf_quoted_with_taobao_header(landing: Path) -> None:
    path = landing / "orders" / "2026-10-05" / "ExportOrderList202610052359.csv"
    raw = path.read_bytes()
    assert raw.startswith('"订单编号","买家会员名"'.encode("gbk"))
    assert raw.count(b"\r\n") == raw.count(b"\n")
    rows = _gbk_rows(path)
    assert rows[0] == ORDER_HEADER
    assert len(ORDER_HEADER) == 46
    spaced = {"收货地址 ", "联系电话 ", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 "}
    assert spaced <= set(rows[0])
    assert '"=""' in raw.decode("gbk")  # ids are written as ="…" inside a quoted field


def test_ids_are_19_digits_and_values_look_like_taobao(landing: Path) -> None:
    amounts, created = set(), set()
    for path in sorted((landing / "orders").rglob("*.csv")):
        for row in _gbk_rows(path)[1:]:
            assert ORDER_ID.match(row[0]), row[0]
            amounts.add(row[8])
            created.add(row[17])
            assert row[16].startswith("'1")
            assert row[28] == "0元"
    assert any(a.startswith("￥") for a in amounts)
    assert any("," in a for a in amounts)
    assert any(re.fullmatch(r"\d+", a) for a in amounts)
    assert any(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}", c) for c in created)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", c) for c in created)
    refunds = [r for p in sorted((landing / "refunds").rglob("*.csv")) for r in _gbk_rows(p)[1:]]
    assert _gbk_rows(next((landing / "refunds").rglob("*.csv")))[0] == REFUND_HEADER
    good = [r for r in refunds if r[0] != '=""']
    assert len(good) == len(refunds) - 1
    assert all(ORDER_ID.match(r[0]) and re.fullmatch(r'="\d{19}"', r[1]) for r in good)
    assert {r[13] for r in refunds} >= {"退款成功", "退款关闭"}


def test_order_reappears_as_its_status_moves(landing: Path) -> None:
    history = defaultdict(list)
    for path in sorted((landing / "orders").rglob("*.csv")):
        for row in _gbk_rows(path)[1:]:
            history[row[0]].append((path.parent.name, row[10]))
    moving = [h for h in history.values() if len({s for _, s in h}) > 1]
    assert moving
    days, statuses = zip(*max(moving, key=len), strict=True)
    assert list(days) == sorted(set(days))
    assert statuses[-1] in {"交易成功", "交易关闭"}
    assert any(s.startswith("交易关闭") for h in history.values() for _, s in h)


def test_chat_formats(landing: Path) -> None:
    day = landing / "chats" / "2026-10-05"
    raw = (day / "聊天记录_20261005.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert [c.strip() for c in rows[0]] == ["时间", "客服", "买家", "发送方", "内容"]
    assert {r[3] for r in rows[1:]} >= {"买家", "客服", "店小蜜"}
    for line in (day / "chats_20261005.jsonl").read_text(encoding="utf-8").splitlines():
        msg = json.loads(line)
        assert set(msg) == {"message_id", "sent_at", "agent", "buyer", "sender", "content"}
        assert msg["sent_at"].endswith("+08:00")
    transcripts = sorted(day.glob("*.txt"))
    assert transcripts
    for path in transcripts:
        raw = path.read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n")
        account = path.stem.replace("_", ":", 1)
        openers = [m for m in map(OPENER.match, raw.decode("utf-8").split("\r\n")) if m]
        assert openers[0].group(1) not in (account, "旗舰店:店小蜜")


def test_full_width_colon_and_transfers_appear(landing: Path) -> None:
    text = "".join(p.read_text(encoding="utf-8-sig")
                   for p in sorted((landing / "chats").rglob("*.csv")))
    assert "旗舰店：" in text
    assert ",系统,由 旗舰店:" in text


def test_planted_bad_rows_are_where_the_manifest_says(landing: Path, manifest: dict) -> None:
    kinds = {b["kind"]: b for b in manifest["bad_rows"]}
    assert set(kinds) == {"bad_time", "negative_amount", "missing_order_id"}

    def line(bad: dict, encoding: str) -> str:
        text = (landing / bad["file"]).read_bytes().decode(encoding)
        return text.splitlines()[bad["line"] - 1]

    assert line(kinds["bad_time"], "utf-8-sig").startswith("2026-10-32 25:61:00,")
    order = next(csv.reader([line(kinds["negative_amount"], "gbk")]))
    assert order[8] == "-59.00"
    refund = next(csv.reader([line(kinds["missing_order_id"], "gbk")]))
    assert refund[0] == '=""'
    # The planted order exists nowhere else.
    everywhere = "".join(p.read_bytes().decode("gbk")
                         for p in sorted((landing / "orders").rglob("*.csv")))
    assert everywhere.count(order[0].replace('"', '""')) == 1


def test_roster_covers_the_hard_cases(landing: Path, manifest: dict) -> None:
    text = (landing / "_roster.csv").read_text(encoding="utf-8")
    assert not text.startswith("\ufeff") and "\r" not in text
    rows = list(csv.DictReader(text.splitlines()))
    by_employee = defaultdict(set)
    for r in rows:
        by_employee[r["employee_id"]].add(r["account"])
        assert ":" in r["account"] and "：" not in r["account"]
    assert sum(len(a) > 1 for a in by_employee.values()) >= 2
    assert any(r["effective_from"] == "2026-10-16" and r["level"] == "普通" for r in rows)
    promoted = [r for r in rows if r["employee_id"] == "E03"]
    assert [(r["level"], r["effective_to"]) for r in promoted] == [
        ("普通", "2026-10-15"), ("高级", "")]
    assert promoted[1]["effective_from"] == "2026-10-16"
    assert any(r["role"] == "aftersale" for r in rows)
    unmapped = manifest["unmapped_accounts"]
    assert unmapped and not set(unmapped) & {r["account"] for r in rows}
    chats = (landing / "chats" / "2026-10-05" / "聊天记录_20261005.csv").read_text("utf-8-sig")
    assert unmapped[0] in chats


def test_manifest_counts_and_skills(landing: Path, manifest: dict) -> None:
    assert manifest["promotions"] == [{"name": "双11", "from": "2026-10-20", "to": "2026-11-11"}]
    assert len(manifest["employees"]) == SMALL["agents"]
    for emp in manifest["employees"]:
        skill = emp["skill"]
        assert set(skill) == {"response_mean_s", "first_response_mean_s", "conversion", "care"}
        assert 0.2 <= skill["conversion"] <= 0.6
        assert 0 < skill["first_response_mean_s"] < skill["response_mean_s"]
    orders = sum(len(_gbk_rows(p)) - 1 for p in (landing / "orders").rglob("*.csv"))
    assert manifest["counts"]["orders"] == orders
    chats = 0
    for path in (landing / "chats").rglob("*.*"):
        text = path.read_bytes().decode("utf-8-sig")
        if path.suffix == ".txt":
            chats += sum(bool(OPENER.match(x)) for x in text.split("\r\n"))
        else:
            chats += len(text.splitlines()) - (path.suffix == ".csv")
    assert manifest["counts"]["chats"] == chats
    ratings = sum(pl.read_excel(p).height for p in (landing / "ratings").rglob("*.xlsx"))
    assert manifest["counts"]["ratings"] == ratings


def test_ratings_xlsx_has_fixed_zip_dates_and_string_cells(landing: Path) -> None:
    path = landing / "ratings" / "2026-10-05" / "服务评价_20261005.xlsx"
    with zipfile.ZipFile(path) as z:
        assert {i.date_time[0] for i in z.infolist()} == {1980}
    frame = pl.read_excel(path)
    assert frame.columns == ["评价时间", "客服", "买家", "评价结果"]
    assert set(frame["评价结果"]) <= {"很满意", "满意", "一般", "不满意", "很不满意"}


def test_chat_buyers_are_order_buyers(landing: Path) -> None:
    chat_buyers = set()
    for path in sorted((landing / "chats").rglob("*.jsonl")):
        chat_buyers |= {json.loads(x)["buyer"] for x in path.read_text("utf-8").splitlines()}
    order_buyers = {r[1] for p in (landing / "orders").rglob("*.csv") for r in _gbk_rows(p)[1:]}
    assert chat_buyers & order_buyers
    assert order_buyers - chat_buyers  # silent orders


def test_volume_scales_with_scale(manifest: dict, tmp_path: Path) -> None:
    double = generate(MONTH, tmp_path, **{**SMALL, "scale": SMALL["scale"] * 2})
    ratio = double["counts"]["chats"] / manifest["counts"]["chats"]
    assert 1.7 < ratio < 2.3
    ratio = double["simulation"]["orders_created"] / manifest["simulation"]["orders_created"]
    assert 1.7 < ratio < 2.3


def test_rejects_impossible_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="agents"):
        generate(MONTH, tmp_path, agents=3)
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate("October", tmp_path)


def test_the_adjustments_name_employees_of_the_roster_in_a_large_shop(tmp_path):
    """With 100 agents and more the ids have three digits (E001): the generated adjustments
    must name them, or the month's payroll stops on them."""
    generate("2026-10", tmp_path, agents=120, seed=7, scale=0.01)
    roster = {line.split(",")[0] for line in
              (tmp_path / "_roster.csv").read_text("utf-8").splitlines()[1:]}
    adjusted = [line.split(",")[0] for line in (tmp_path / "adjustments" / "2026-10" /
                                                "qa_points.csv").read_text("utf-8").splitlines()[1:]]
    assert adjusted == ["E001", "E003", "E002"] and set(adjusted) <= roster
