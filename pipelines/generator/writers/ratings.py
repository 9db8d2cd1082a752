"""The service-rating export of a day: an xlsx workbook of each rating's time, account, buyer
and result."""

from datetime import datetime
from pathlib import Path

import xlsxwriter

from ..clock import Month
from ..staff import Account
from ..vocab import RATING_LABELS
from .common import csv_day, first

RATING_HEADER = ["评价时间", "客服", "买家", "评价结果"]
# xlsx metadata carries a creation time; a fixed one keeps the same seed byte-identical.
XLSX_CREATED = datetime(2026, 1, 1)


def write_ratings(root: Path, month: Month, d: int, ratings: list[tuple[int, int, str, int]],
                  accounts: list[Account]) -> int:
    stamp = month.iso_dates[d].replace("-", "")
    path = csv_day(root, "ratings", month, d, f"服务评价_{stamp}.xlsx")
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": XLSX_CREATED})
    sheet = workbook.add_worksheet("服务评价")
    for col, name in enumerate(RATING_HEADER):
        sheet.write_string(0, col, name)
    for row, (t, acct, buyer, score) in enumerate(sorted(ratings, key=first), 1):
        sheet.write_string(row, 0, month.ts(t))
        sheet.write_string(row, 1, accounts[acct].name)
        sheet.write_string(row, 2, buyer)
        sheet.write_string(row, 3, RATING_LABELS[score - 1])
    workbook.close()
    return len(ratings)
