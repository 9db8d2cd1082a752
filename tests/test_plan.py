"""Configuration validation: every rule of SPEC 5 fires with a message naming file and field."""

from __future__ import annotations

import copy
import shutil
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.config.adjustments import load_adjustments
from pipelines.config.plan import Plan, load_plan
from pipelines.config.roster import RosterRow, load_roster
from pipelines.config.rules import KPI_METRICS, ConfigError
from pipelines.config.shop import load_config
from pipelines.config.shop_calendar import Calendar, load_calendar

SHIPPED = Path(__file__).resolve().parents[1] / "config"
ROSTER_HEADER = "employee_id,name,account,level,role,effective_from,effective_to\n"


def shipped_plan_data() -> dict[str, Any]:
    return yaml.safe_load((SHIPPED / "plan.yaml").read_text(encoding="utf-8"))


def write_plan(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def plan_error(tmp_path: Path, data: dict[str, Any]) -> str:
    path = write_plan(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    return message


def two_versions() -> dict[str, Any]:
    data = shipped_plan_data()
    later = copy.deepcopy(data["versions"][0])
    later.update(id="autumn-2026", effective_from=date(2026, 11, 1))
    data["versions"].append(later)
    return data


@pytest.fixture
def plan() -> Plan:
    return load_plan(SHIPPED / "plan.yaml")


# --- plan.yaml -----------------------------------------------------------------------------------


def test_shipped_plan_loads_with_spec_weights(plan: Plan) -> None:
    version = plan.versions[0]
    assert version.id == "default-2026"
    assert version.effective_from == date(2026, 1, 1)
    assert version.attribution.rule == "order_first"
    assert version.attribution.window_days == 2
    assert (version.session_gap_minutes, version.slow_response_seconds) == (30, 100)
    assert (version.service_start, version.service_end) == (time(8), time(23))
    assert version.promo_days_excluded_from == ["inquiry_conversion"]
    assert version.levels == {"普通": Decimal(3500), "高级": Decimal(4000), "精英": Decimal(4500),
                              "专家": Decimal(5000), "金牌": Decimal(6000)}
    weights = {role: {line.metric: line.weight for line in lines}
               for role, lines in version.kpi.items()}
    assert weights == {
        "presale": {"inquiry_conversion": 35, "avg_response_seconds": 20,
                    "first_response_seconds": 10, "reply_rate": 10, "satisfaction": 15,
                    "refund_rate": 10},
        "aftersale": {"avg_response_seconds": 30, "first_response_seconds": 15,
                      "reply_rate": 20, "satisfaction": 35},
    }
    conversion = version.kpi["presale"][0]
    assert (conversion.worst, conversion.best, conversion.min_sample) == \
        (Decimal("0.2"), Decimal("0.5"), 30)
    assert version.kpi["aftersale"][0].min_sample == 0
    assert [(t.min_score, t.base) for t in version.bonus_tiers] == \
        [(90, 3000), (80, 2000), (0, 1000)]
    assert version.prorate is True


def test_plan_numbers_are_decimal_never_float(plan: Plan) -> None:
    version = plan.versions[0]
    numbers = [*version.levels.values()]
    for lines in version.kpi.values():
        numbers += [n for line in lines for n in (line.weight, line.worst, line.best)]
    numbers += [n for tier in version.bonus_tiers for n in (tier.min_score, tier.base)]
    assert all(type(n) is Decimal for n in numbers)
    # 0.98 from YAML's float is the decimal 0.98, not 0.979999999...
    assert version.kpi["presale"][4].best == Decimal("0.98")
    assert str(version.kpi["presale"][3].worst) == "0.9"


def test_weights_must_sum_to_100(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["kpi"]["presale"][0]["weight"] = 30
    assert "versions[0].kpi.presale: weights sum to 95, must be 100" in plan_error(tmp_path, data)


def test_unknown_metric_is_rejected(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["kpi"]["aftersale"][0]["metric"] = "avg_reply_seconds"
    message = plan_error(tmp_path, data)
    assert "versions[0].kpi.aftersale[0].metric: unknown metric 'avg_reply_seconds'" in message


def test_unknown_metric_in_promo_exclusions_is_rejected(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["promo_days_excluded_from"] = ["sales"]
    assert "versions[0].promo_days_excluded_from[0]: unknown metric 'sales'" in \
        plan_error(tmp_path, data)


def test_unknown_role_is_rejected(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["kpi"]["manager"] = data["versions"][0]["kpi"]["presale"]
    assert "versions[0].kpi.manager: unknown role" in plan_error(tmp_path, data)


def test_versions_with_the_same_effective_from_overlap(tmp_path: Path) -> None:
    data = two_versions()
    data["versions"][1]["effective_from"] = date(2026, 1, 1)
    message = plan_error(tmp_path, data)
    assert "versions[1].effective_from: 2026-01-01 is also the effective_from of versions[0]" \
        in message
    assert "must not overlap" in message


def test_versions_with_the_same_id_are_rejected(tmp_path: Path) -> None:
    data = two_versions()
    data["versions"][1]["id"] = "default-2026"
    assert "versions[1].id: 'default-2026' is also the id of versions[0]" in \
        plan_error(tmp_path, data)


def test_tiers_must_include_0(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["bonus_tiers"][2]["min_score"] = 10
    assert "versions[0].bonus_tiers: no tier has min_score 0; tiers must cover 0-100" in \
        plan_error(tmp_path, data)


def test_tier_score_above_100_is_rejected(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["bonus_tiers"][0]["min_score"] = 120
    message = plan_error(tmp_path, data)
    assert "versions[0].bonus_tiers[0].min_score: Input should be less than or equal to 100" \
        in message
    assert "120" in message


def test_tier_scores_must_be_distinct_and_bases_not_negative(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["bonus_tiers"][1]["min_score"] = 90
    assert "versions[0].bonus_tiers[1].min_score: 90 is used by two tiers" in \
        plan_error(tmp_path, data)
    data = shipped_plan_data()
    data["versions"][0]["bonus_tiers"][1]["base"] = -5
    assert "versions[0].bonus_tiers[1].base: Input should be greater than or equal to 0" in \
        plan_error(tmp_path, data)


def test_worst_equal_to_best_is_rejected(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["kpi"]["presale"][3]["best"] = 0.9
    assert "versions[0].kpi.presale[3].best: equals worst (0.9)" in plan_error(tmp_path, data)


@pytest.mark.parametrize("hours", ["23:00-08:00", "8-23", "08:00-24:00", "08:00"])
def test_bad_service_hours_are_rejected(tmp_path: Path, hours: str) -> None:
    data = shipped_plan_data()
    data["versions"][0]["service_hours"] = hours
    assert f"versions[0].service_hours: '{hours}'" in plan_error(tmp_path, data)


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("session_gap_minutes", 0, "greater than 0"),
    ("slow_response_seconds", 1.5, "valid integer"),
    ("prorate", "yes", "valid boolean"),
    ("effective_from", "2026/01/01", "is not a date"),
])
def test_bad_scalar_settings_are_rejected(tmp_path: Path, field: str, value: Any,
                                          rule: str) -> None:
    data = shipped_plan_data()
    data["versions"][0][field] = value
    message = plan_error(tmp_path, data)
    assert f"versions[0].{field}: " in message
    assert rule in message


def test_attribution_rule_and_window(tmp_path: Path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["attribution"] = {"rule": "reply_first", "window_days": -1}
    message = plan_error(tmp_path, data)
    assert "versions[0].attribution.rule: " in message
    assert "versions[0].attribution.window_days: " in message


def test_misspelt_and_missing_fields_are_named(tmp_path: Path) -> None:
    data = shipped_plan_data()
    line = data["versions"][0]["kpi"]["presale"][0]
    line["weigth"] = line.pop("weight")
    message = plan_error(tmp_path, data)
    assert "versions[0].kpi.presale[0].weight: missing (required)" in message
    assert "versions[0].kpi.presale[0].weigth: unknown field" in message


def test_duplicate_yaml_key_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("versions: []\nversions: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"plan\.yaml: line 2: not valid YAML: duplicate key"):
        load_plan(path)


def test_version_for_picks_the_version_in_force(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, two_versions()))
    assert plan.version_for(date(2026, 10, 15)).id == "default-2026"
    assert plan.version_for(date(2026, 11, 1)).id == "autumn-2026"
    assert plan.version_for(date(2027, 3, 1)).id == "autumn-2026"
    with pytest.raises(ConfigError, match=r"plan\.yaml: versions: no version in force on 2025"):
        plan.version_for(date(2025, 12, 1))


@pytest.mark.parametrize(("score", "base"), [
    (Decimal(100), 3000), (Decimal(90), 3000), (Decimal("89.99"), 2000), (Decimal(80), 2000),
    (Decimal("79.99"), 1000), (Decimal(0), 1000),
])
def test_tier_for(plan: Plan, score: Decimal, base: int) -> None:
    assert plan.versions[0].tier_for(score).base == base


# --- calendar.yaml -------------------------------------------------------------------------------


def test_shipped_calendar_loads() -> None:
    calendar = load_calendar(SHIPPED / "calendar.yaml")
    days = calendar.promo_days(date(2026, 6, 17), date(2026, 10, 21))
    assert days == {date(2026, 6, 17): "618", date(2026, 6, 18): "618",
                    date(2026, 10, 20): "双11", date(2026, 10, 21): "双11"}
    assert len(calendar.promo_days(date(2026, 1, 1), date(2026, 12, 31))) == 18 + 23


def test_promotion_ending_before_it_starts_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("promotions:\n  - {name: 双11, from: 2026-11-11, to: 2026-10-20}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"calendar\.yaml: promotions\[0\]\.to: 2026-10-20 is "
                                          r"before from"):
        load_calendar(path)


@pytest.mark.parametrize("text", [
    "promotions: [{name: 双11, from: 2026-10-20, to: 2026-11-11}]\n",
    "- {name: 双11, from: 2026-10-20, to: 2026-11-11}\n",  # the bare list of periods
])
def test_a_calendar_is_a_mapping_or_a_bare_list_of_promotions(tmp_path: Path, text: str) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    calendar = load_calendar(path)
    assert calendar.promo_days(date(2026, 10, 19), date(2026, 10, 21)) == {
        date(2026, 10, 20): "双11", date(2026, 10, 21): "双11"}
    assert calendar.shop_closed == []


def test_a_bare_list_of_promotions_is_checked_as_the_promotions(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("- {name: 618, from: 2026-06-01, to: 2026-06-18}\n"
                    "- {name: 双11, from: 2026-11-11, to: 2026-10-20}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"calendar\.yaml: promotions\[1\]\.to: 2026-10-20 is "
                                          r"before from"):
        load_calendar(path)


def test_a_calendar_of_another_shape_is_told_both_shapes(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("双11\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_calendar(path)
    assert str(caught.value) == (
        f"{path}: (top level): expected `promotions: [{{name, from, to}}, ...]` and "
        "`shop_closed: [YYYY-MM-DD, ...]`, or a bare list of promotions; got '双11'")


def test_overlapping_promotions_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        Calendar.model_validate({"promotions": [
            {"name": "a", "from": "2026-06-01", "to": "2026-06-18"},
            {"name": "b", "from": "2026-06-18", "to": "2026-06-20"}]})


# --- roster.csv ----------------------------------------------------------------------------------


def write_roster(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER_HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def roster_error(path: Path, plan: Plan) -> str:
    with pytest.raises(ConfigError) as caught:
        load_roster(path, plan)
    return str(caught.value)


def test_overlapping_rows_of_one_account_name_both_lines(tmp_path: Path, plan: Plan) -> None:
    path = write_roster(tmp_path,
                        "E01,夏荣,店:小怡,高级,presale,2026-01-01,",
                        "E02,邓萍薇,店:小怡,精英,presale,2026-05-01,2026-05-31")
    message = roster_error(path, plan)
    assert message.startswith(f"{path}: lines 2 and 3: account: 店:小怡 ")
    assert "2026-05-01 to 2026-05-31" in message


def test_full_width_colon_rows_are_the_same_account(tmp_path: Path, plan: Plan) -> None:
    path = write_roster(tmp_path, " 旗舰店：小怡 ".join(["E01,夏荣,", ",高级,presale,2026-01-01,"]))
    assert load_roster(path, plan)[0].account == "旗舰店:小怡"
    path = write_roster(tmp_path,
                        "E01,夏荣,旗舰店：小怡,高级,presale,2026-01-01,2026-03-31",
                        "E01,夏荣,旗舰店:小怡,高级,presale,2026-03-31,")
    assert "lines 2 and 3: account: 旗舰店:小怡" in roster_error(path, plan)


def test_employee_with_two_accounts_and_a_promotion(tmp_path: Path, plan: Plan) -> None:
    path = write_roster(tmp_path,
                        "E01,夏荣,店:小怡,高级,presale,2025-02-18,",
                        "E01,夏荣,店:小怡2,高级,presale,2025-02-18,",
                        "E03,陶娜,店:大红,普通,presale,2024-05-06,2026-10-15",
                        "E03,陶娜,店:大红,高级,presale,2026-10-16,",
                        "E12,郭晴,店:大红2,普通,aftersale,2026-10-16,")
    rows = load_roster(path, plan)
    assert [(r.employee_id, r.account, r.level, r.line) for r in rows] == [
        ("E01", "店:小怡", "高级", 2), ("E01", "店:小怡2", "高级", 3),
        ("E03", "店:大红", "普通", 4), ("E03", "店:大红", "高级", 5),
        ("E12", "店:大红2", "普通", 6)]
    assert rows[2].effective_to == date(2026, 10, 15)
    assert rows[3].effective_to is None


def test_account_may_move_to_another_employee(tmp_path: Path, plan: Plan) -> None:
    path = write_roster(tmp_path,
                        "E01,夏荣,店:小怡,高级,presale,2025-01-01,2026-04-30",
                        "E02,邓萍薇,店:小怡,精英,presale,2026-05-01,")
    assert [r.employee_id for r in load_roster(path, plan)] == ["E01", "E02"]


def test_one_employee_holds_one_level_per_day(tmp_path: Path, plan: Plan) -> None:
    path = write_roster(tmp_path,
                        "E01,夏荣,店:小怡,高级,presale,2026-01-01,",
                        "E01,夏荣,店:小怡2,精英,presale,2026-02-01,")
    assert "lines 2 and 3: level/role: E01 is 高级 presale on one and 精英 presale" in \
        roster_error(path, plan)


@pytest.mark.parametrize(("row", "rule"), [
    ("E01,夏荣,,高级,presale,2026-01-01,", "line 2: account: missing"),
    ("E01,夏荣,店:小怡,高级,presale,2026/01/01,", "line 2: effective_from: '2026/01/01' is not"),
    ("E01,夏荣,店:小怡,高级,presale,2026-02-30,", "line 2: effective_from: '2026-02-30' is not"),
    ("E01,夏荣,店:小怡,高级,presale,2026-02-01,2026-01-31",
     "line 2: effective_to: 2026-01-31 is before effective_from 2026-02-01"),
    ("E01,夏荣,店:小怡,高级,manager,2026-01-01,", "line 2: role: 'manager' is not one of"),
    ("E01,夏荣,店:小怡,主管,presale,2026-01-01,", "line 2: level: '主管' is in no plan version"),
    ("E01,夏荣,店:小怡,高级,presale", "line 2: 5 fields, the header has 7"),
])
def test_bad_roster_rows_name_file_line_and_field(tmp_path: Path, plan: Plan, row: str,
                                                  rule: str) -> None:
    path = write_roster(tmp_path, row)
    assert f"{path}: {rule}" in roster_error(path, plan)


def test_roster_header_and_encoding(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("employee_id,name,account,level,role,effective_from\n", encoding="utf-8")
    assert "line 1: header: expected" in roster_error(path, plan)
    assert "missing effective_to" in roster_error(path, plan)
    path.write_bytes((ROSTER_HEADER + "E01,夏荣,店:小怡,高级,presale,2026-01-01,\n").encode("gbk"))
    assert f"{path}: line 2: not UTF-8 text" in roster_error(path, plan)


# --- the whole config dir ------------------------------------------------------------------------


def test_shipped_config_loads() -> None:
    config = load_config(SHIPPED)
    assert config.plan.version_for(date(2026, 10, 1)).id == "default-2026"
    assert all(row.level in config.plan.versions[0].levels for row in config.roster)
    assert set(KPI_METRICS) >= {m for v in config.plan.versions for m in v.promo_days_excluded_from}


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    shutil.copy(SHIPPED / "plan.yaml", tmp_path)
    shutil.copy(SHIPPED / "calendar.yaml", tmp_path)
    with pytest.raises(ConfigError, match=r"roster\.csv: file not found"):
        load_config(tmp_path)


# --- adjustments ---------------------------------------------------------------------------------


def write_adjustments(landing: Path, text: str, name: str = "qa.csv", bom: bool = False) -> Path:
    path = landing / "adjustments" / "2026-10" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8-sig" if bom else "utf-8")
    return path


def test_adjustments_load_with_decimal_amounts(tmp_path: Path) -> None:
    write_adjustments(tmp_path, "employee_id,kind,amount,reason\n"
                                "E01,qa_points,-2,质检扣分：未使用敬语\nE03,qa_points,1.5,表扬\n",
                      bom=True)
    path = write_adjustments(tmp_path, "employee_id,kind,amount,reason\n"
                                       "E02,pay,-200.00,追回：重复发放\n", name="pay.csv")
    adjustments = load_adjustments(tmp_path, "2026-10")
    assert [(a.employee_id, a.kind, a.amount) for a in adjustments] == [
        ("E02", "pay", Decimal("-200.00")), ("E01", "qa_points", Decimal(-2)),
        ("E03", "qa_points", Decimal("1.5"))]
    assert all(type(a.amount) is Decimal for a in adjustments)
    assert path.name == "pay.csv"
    assert (adjustments[0].file, adjustments[0].line) == ("adjustments/2026-10/pay.csv", 2)
    assert adjustments[1].reason == "质检扣分：未使用敬语"


def test_missing_adjustments_folder_is_empty(tmp_path: Path) -> None:
    assert load_adjustments(tmp_path, "2026-10") == []


@pytest.mark.parametrize(("row", "rule"), [
    ("E01,bonus,100,奖励", "line 3: employee E01: kind: 'bonus' is not one of qa_points, pay"),
    ("E01,pay,1e3,奖励", "line 3: employee E01: amount: '1e3' is not a plain number"),
    ("E01,pay,10.005,奖励", "line 3: employee E01: amount: 10.005 has more than 2 decimals"),
    ("E01,qa_points,-1.255,奖励", "line 3: employee E01: amount: -1.255 has more than 2 "
                                  "decimals"),
    ("E01,qa_points,-1,", "line 3: employee E01: reason: missing"),
    (",qa_points,-1,x", "line 3: employee_id: missing"),
])
def test_bad_adjustment_names_file_and_line(tmp_path: Path, row: str, rule: str) -> None:
    write_adjustments(tmp_path, f"employee_id,kind,amount,reason\nE02,pay,5,ok\n{row}\n")
    with pytest.raises(ConfigError) as caught:
        load_adjustments(tmp_path, "2026-10")
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"adjustments/2026-10/qa.csv {rule}")


def roster_row(employee_id: str, first: str, last: str | None) -> RosterRow:
    return RosterRow(employee_id, "名", f"店:{employee_id}", "普通", "presale",
                     date.fromisoformat(first), date.fromisoformat(last) if last else None, 2)


def test_an_adjustment_for_someone_off_the_roster_that_month_names_file_line_and_id(
        tmp_path: Path) -> None:
    """E1 left on 2026-09-30, E2 starts on 2026-10-31 (one day counts), E99 was never there."""
    roster = [roster_row("E1", "2026-01-01", "2026-09-30"),
              roster_row("E2", "2026-10-31", None)]
    write_adjustments(tmp_path, "employee_id,kind,amount,reason\n"
                                "E2,qa_points,-1,ok\nE1,pay,-500.00,追回\n", name="pay.csv")
    write_adjustments(tmp_path, "employee_id,kind,amount,reason\nE2,pay,1.00,ok\n\n"
                                "E99,qa_points,-2,质检\n")
    with pytest.raises(ConfigError) as caught:
        load_adjustments(tmp_path, "2026-10", roster)
    assert str(caught.value).splitlines() == [
        "adjustments/2026-10/pay.csv line 3: employee E1 is not on the roster in 2026-10",
        "adjustments/2026-10/qa.csv line 4: employee E99 is not on the roster in 2026-10",
    ]
    # Without the roster (how statements read the files) the rows themselves are fine.
    assert len(load_adjustments(tmp_path, "2026-10")) == 4


def test_a_non_csv_file_among_the_adjustments_is_an_error(tmp_path: Path) -> None:
    write_adjustments(tmp_path, "employee_id,kind,amount,reason\nE2,pay,1.00,ok\n")
    (tmp_path / "adjustments" / "2026-10" / "pay.xlsx").write_bytes(b"PK")
    (tmp_path / "adjustments" / "2026-10" / ".DS_Store").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"^adjustments/2026-10/pay\.xlsx: not a \.csv file"):
        load_adjustments(tmp_path, "2026-10")
