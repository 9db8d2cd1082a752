"""The value parsers: sql/macros.sql's rules for text, money, times and accounts, applied to
whole columns."""

from __future__ import annotations

import pandas as pd

from .common import US

# DuckDB's regex \s: Python's \s would also eat U+3000 and friends
RE2_SPACE = "[\t\n\f\r ]"


# --- value parsers (sql/macros.sql's rules, on whole columns) --------------------------------


def text(s: pd.Series) -> pd.Series:
    """Excel-proofed text: ="123" and '123 are how Taobao stops Excel mangling ids; ="" and
    blank are missing. Trimmed of spaces only, as DuckDB's trim."""
    # pandas' str dtype (Arrow-backed) throughout: its string kernels run in C, and merge keys
    # from different frames share one type. Its regular expressions run on RE2 (as DuckDB's
    # do) or, for str.extract, on Python's re: the patterns here mean the same on both.
    s = s.astype("str")
    out = s.str.strip(" ")
    proofed = (s.str.contains('="', regex=False) | s.str.contains("'", regex=False)) \
        .fillna(False).astype(bool)
    if proofed.any():
        p = out[proofed].str.replace(r'^="(.*)"$', r"\1", n=1, regex=True) \
            .str.replace(r"^'", "", n=1, regex=True).str.strip(" ")
        out = out.where(~proofed, p)
    return out.where(out != "")


def money_cents(s: pd.Series) -> pd.Series:
    """1299 / 1,299.00 / ¥1299.00 / 1299.00元 -> cents (Int64); more than 2 decimals is
    unreadable rather than silently rounded."""
    digits = text(s).str.replace(f"[¥￥元,]|{RE2_SPACE}", "", regex=True)
    digits = digits.where(digits.str.fullmatch(r"-?[0-9]{1,16}(\.[0-9]{1,2})?").fillna(False))
    # whole units and cents as integers apart: no float ever holds the amount
    parts = digits.str.lstrip("-").str.split(".", n=1, expand=True).reindex(columns=[0, 1])
    cents = pd.to_numeric(parts[0]).astype("Int64") * 100 \
        + pd.to_numeric(parts[1].str.ljust(2, "0")).astype("Int64").fillna(0)
    return cents.where(~digits.str.startswith("-").fillna(False), -cents)


_TS = (r"^(\d{4})([-/])(\d{1,2})[-/](\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"
       r"|T(\d{1,2}):(\d{1,2}):(\d{1,2}))$")
_TS_OFFSET = (r"^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})"
              r"(?:([+-])(\d{2}):?(\d{2})|Z)$")
SHANGHAI = pd.Timedelta(hours=8)  # no DST since 1991


def timestamps(s: pd.Series) -> pd.Series:
    """Shop-local wall time: `2026-10-01 10:48:12`, `2026/10/1 10:48`, `...T10:48:12`, and an
    explicit offset converted to Asia/Shanghai. NaT when unreadable."""
    t = text(s)
    # the common shape first, at C speed; the rest through the full rule
    out = pd.to_datetime(t, format="%Y-%m-%d %H:%M:%S", errors="coerce").astype(US)
    rest = out.isna() & t.notna()
    if not rest.any():
        return out
    # then the JSON exports' ISO time with an offset, also at C speed
    zoned_fast = pd.to_datetime(t[rest], format="%Y-%m-%dT%H:%M:%S%z", errors="coerce",
                                utc=True)
    zoned_fast = (zoned_fast.dt.tz_localize(None) + SHANGHAI).astype(US)
    out.loc[zoned_fast.index] = zoned_fast
    rest = out.isna() & t.notna()
    if not rest.any():
        return out
    r = t[rest]
    offset = r.str.contains(r"(?:[+-][0-9]{2}:?[0-9]{2}|Z)$", regex=True)
    plain, zoned = r[~offset].str.extract(_TS), r[offset].str.extract(_TS_OFFSET)

    def build(y: pd.Series, mo: pd.Series, d: pd.Series, h: pd.Series, mi: pd.Series,
              sec: pd.Series) -> pd.Series:
        parts = pd.DataFrame({"year": y, "month": mo, "day": d, "hour": h, "minute": mi,
                              "second": sec}).apply(pd.to_numeric)
        ok = (parts["hour"] < 24) & (parts["minute"] < 60) & (parts["second"] < 60)
        return pd.to_datetime(parts.where(ok), errors="coerce").astype(US)

    if len(plain):
        tee = plain[7].notna()
        # one separator throughout (RE2 has no backreference), and the T form with dashes
        same_sep = r[~offset].str.count("/").isin([0, 2])
        plain = plain.where(same_sep & ~(tee & (plain[1] == "/")))
        built = build(plain[0], plain[2], plain[3], plain[4].where(~tee, plain[7]),
                      plain[5].where(~tee, plain[8]),
                      plain[6].where(~tee, plain[9]).fillna("0"))
        out.loc[built.index] = built
    if len(zoned):
        local = build(*(zoned[i] for i in range(6)))
        sign = zoned[6].map({"+": 1, "-": -1}).fillna(0)
        shift = pd.to_timedelta(sign * (pd.to_numeric(zoned[7]).fillna(0) * 60
                                        + pd.to_numeric(zoned[8]).fillna(0)), unit="min")
        out.loc[local.index] = local - shift + SHANGHAI
    return out


def accounts(s: pd.Series) -> pd.Series:
    """店铺:名字, the full-width colon the same account; spaces around the (first) colon go."""
    a = text(s).str.replace("：", ":", regex=False) \
        .str.replace(f"{RE2_SPACE}*:{RE2_SPACE}*", ":", n=1, regex=True)
    return a.where(a != "")
